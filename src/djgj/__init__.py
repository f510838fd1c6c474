"""djgj — a command-line ledger for 党建带动工建，工建服务党建."""

__version__ = "0.2.0"
