from pieces_tui.cli import main

raise SystemExit(main())
