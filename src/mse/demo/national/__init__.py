"""A synthetic national load (issue 7): `mse demo generate --scale N`. Scale 1 = one national year (~2.5 M referrals,
~2,000 bureaus in the 89 subjects). See generate.py for what is written and how it sits next to `mse demo load`."""
