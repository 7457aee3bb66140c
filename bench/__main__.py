"""`make bench`: every benchmark, each printing its figures and a machine-readable last line."""

from bench import intake

if __name__ == "__main__":
    intake.main()
