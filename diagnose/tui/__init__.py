"""The Textual front end: the person who cannot sign in watches the checklist fill in.

Nothing here is imported on the headless path: :func:`diagnose.cli._load_tui`
imports :mod:`diagnose.tui.app` only when a terminal session starts. The
modules split along Textual's grain (posting and harlequin as models):

* pure logic without Textual (:mod:`.rows`, :mod:`.judge`, :mod:`.export`,
  :mod:`.summary`, :mod:`.refclock`), unit-testable on its own;
* :mod:`.messages`: engine events turned into Textual messages;
* :mod:`.widgets` and :mod:`.screens`: views that read the run state;
* :mod:`.app`: the controller that runs the engine in a worker.
"""
