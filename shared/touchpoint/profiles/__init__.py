"""Customer profiles in DynamoDB: models, identity, atomic changes, privacy, product statistics."""
