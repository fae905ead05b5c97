"""cosell: bulk export and import of co-sell referrals through CSV and Excel files."""

__version__ = "0.1.0"
