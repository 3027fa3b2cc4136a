"""Reading the ЦНППМ's workbooks: guard → read → find header → map columns → coerce → validate → preview."""
