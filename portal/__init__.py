"""The web portal: townships fetch their own documents; the bureau runs and audits."""
