"""Getting a machine ready: `doctor` (is it ready?) and `lab` (doctor, images, then JupyterLab)."""
