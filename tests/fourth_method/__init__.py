"""A fictional fourth card provider ("Kortia"), built as a provider folder is: `adapter.py` (the
protocol), `method.py` (its row of the table of methods). tests/test_payments_fourth_method.py
registers the row and pays a booking with it: nothing else in the house changes."""
