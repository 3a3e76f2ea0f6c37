"""RTL (Amaranth HDL) for the digital designs, exported as Verilog and co-simulated against the
Python models."""
