terraform {
  # Validation rules that read other variables and locals (variables.tf) are new in 1.9.
  required_version = ">= 1.9"

  required_providers {
    google = {
      source = "hashicorp/google"
      # Written and checked against 6.50 (the schema in @cdktf/provider-google 16.12.1).
      version = ">= 6.0, < 7.0"
    }
    archive = {
      source = "hashicorp/archive"
      # 2.5 is the first whose archive_file excludes take glob patterns (.gcloudignore's).
      version = ">= 2.5, < 3.0"
    }
  }
}
