# A complete root module: copy terraform.tfvars.example to terraform.tfvars, fill it in, then
# terraform init && terraform apply. ../../README.md says how to add the secret versions next.

variable "project_id" {
  type        = string
  description = "Project to deploy into."
}

variable "region" {
  type        = string
  description = "Region of the function and the scheduler job."
  default     = "us-central1"
}

variable "looker_instances" {
  type = map(object({
    base_url   = string
    dataset_id = optional(string)
  }))
  description = "Looker instances to export, by name, e.g. { acme = { base_url = \"https://acme.cloud.looker.com\" } }."
}

variable "invoker_members" {
  type        = list(string)
  description = "Operators who may call the function for backfills, e.g. [\"group:data-ops@example.com\"]."
  default     = []
}

variable "alert_notification_channels" {
  type        = list(string)
  description = "Notification channels of the alerts, e.g. [\"projects/acme-analytics/notificationChannels/123\"]."
  default     = []
}

provider "google" {
  project = var.project_id
  region  = var.region
}

module "looker_activity_export" {
  source = "../.."

  project_id       = var.project_id
  region           = var.region
  looker_instances = var.looker_instances
  invoker_members  = var.invoker_members

  alert_notification_channels = var.alert_notification_channels
}

output "function_name" {
  description = "Name of the export function, for gcloud functions call."
  value       = module.looker_activity_export.function_name
}

output "function_uri" {
  description = "HTTPS endpoint of the function."
  value       = module.looker_activity_export.function_uri
}

output "scheduler_job" {
  description = "Name of the daily scheduler job."
  value       = module.looker_activity_export.scheduler_job
}

output "secret_ids" {
  description = "Secrets to add the Looker API credentials to."
  value       = module.looker_activity_export.secret_ids
}

output "tables" {
  description = "The BigQuery tables the export fills."
  value       = module.looker_activity_export.tables
}
