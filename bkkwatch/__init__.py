"""bkkwatch: news and social-media monitoring for the Bangkok Metropolitan Administration."""

__version__ = "0.1.0"
