"""crawlers: gather articles and posts (feeds with feedparser now; Scrapy spiders for sites)."""
