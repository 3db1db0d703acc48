# A complete root module: copy terraform.tfvars.example to terraform.tfvars, fill it in, then
# terraform init && terraform apply. See ../../README.md for adding the secret versions.

variable "project_id" {
  type        = string
  description = "Project to deploy into."
}

variable "region" {
  type        = string
  description = "Region of the function and the scheduler job."
  default     = "us-central1"
}

variable "looker_base_url" {
  type        = string
  description = "Looker API host, e.g. https://acme.cloud.looker.com."
}

provider "google" {
  project = var.project_id
  region  = var.region
}

module "looker_activity_export" {
  source = "../.."

  project_id      = var.project_id
  region          = var.region
  looker_base_url = var.looker_base_url
}

output "function_name" {
  description = "Name of the export function."
  value       = module.looker_activity_export.function_name
}

output "scheduler_job" {
  description = "Name of the daily scheduler job."
  value       = module.looker_activity_export.scheduler_job
}

output "secret_ids" {
  description = "Secrets to add the Looker API credentials to."
  value       = module.looker_activity_export.secret_ids
}
