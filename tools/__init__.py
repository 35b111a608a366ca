"""What the test suites and the benchmarks share to run the project on this machine: the browser they drive and
the shipped deployment started on the loopback. The apps themselves import nothing from here."""
