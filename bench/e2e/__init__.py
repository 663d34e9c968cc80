"""End-to-end pipeline of P11 (a national year): the world and one referral driven through every real service."""
