"""The op-spec tables: one row per op case, run by tests/test_op_table.py in every mode."""
