"""The playbook: its model (model.py), where the running one comes from and how it is parsed
(loading.py), the record that spares a cold start the template check (record.py), the template
check itself (template_check.py), the copy pushed to S3 (store.py), and the packaged default
(default_playbook.yaml with templates/)."""
