"""`python -m djgj.samplegen DIR`: write the sample county."""

from djgj.samplegen import main

raise SystemExit(main())
