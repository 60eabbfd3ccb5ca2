"""`python -m course grade`: grading submitted notebooks headless, with the grader's own checks.

run          the command: every submission, then the gradebook and feedback pages
submission   grading ONE submission in this process
headless     a notebook's cells in order, each exercise checked at its point
kernel       the nbclient kernel behind a headless run, and how a learner's cell fails
gradebook    grades as data, CSV and JSON
feedback     one HTML page per learner
workers      `--jobs N`: submissions spread over isolated workers
resident     the long-lived grading process inside one worker
isolation    the isolated Docker daemons those workers run
options      what a run is asked to do and what it produced
interrupts   SIGTERM as Ctrl-C, so a stopped run still tears everything down
"""
