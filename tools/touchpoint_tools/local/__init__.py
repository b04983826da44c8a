"""The local runtime: template.yaml read the way SAM and AWS would, on moto."""
