"""Demo data and seeds: the reference data every installation needs, the demo accounts and cases (made through
the operations), and the bulk generator of a province-sized history (``flask --app app demo-data``)."""
