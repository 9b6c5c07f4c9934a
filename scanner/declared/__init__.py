"""The operator's declared camera inventory (CSV or XLSX), read as hostile input and reconciled with a scan."""
