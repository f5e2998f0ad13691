from rtpredict.cli import main

raise SystemExit(main())
