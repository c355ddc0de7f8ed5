"""``python -m minerun.cli``, the same as the ``minerun`` script."""

from minerun.cli import main

# Guarded: a spawned slot process imports this module again (as ``__mp_main__``).
if __name__ == "__main__":
    main()
