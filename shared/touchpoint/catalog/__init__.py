"""The product catalog: what recommendations, reminders and offers are made of."""
