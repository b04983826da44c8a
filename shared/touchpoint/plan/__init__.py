"""Planning: writing decisions as messages (staging.py) under the keys that find them when they
fall due (keys.py). Sending them is sending/."""
