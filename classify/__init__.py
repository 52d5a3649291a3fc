"""classify: Bangkok relevance, image impact, urgency, responsible agencies and stories."""
