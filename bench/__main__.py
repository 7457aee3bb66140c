"""`make bench`: every benchmark, each printing its figures and a machine-readable last line
(``intake …``, then ``status …``)."""

from bench import intake, status

if __name__ == "__main__":
    intake.main([])
    status.main([])
