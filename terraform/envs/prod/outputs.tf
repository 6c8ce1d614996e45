# Everything the deploy workflow, rollback, preflight and the docs read from prod (terraform output -json).

output "stack" {
  description = "Names, URLs and ids of the prod environment."
  value = {
    project_id                 = module.stack.project_id
    region                     = module.stack.region
    functions                  = module.stack.functions
    http_functions             = module.stack.http_functions
    event_functions            = module.stack.event_functions
    migrations_job             = module.stack.migrations_job
    sql_instance               = module.stack.sql_instance
    sql_replica                = module.stack.sql_replica
    sql_connection_name        = module.stack.sql_connection_name
    hosting_site               = module.stack.hosting_site
    public_url                 = module.stack.public_url
    image_repository           = module.stack.image_repository
    source_bucket              = module.stack.source_bucket
    workload_identity_provider = module.stack.workload_identity_provider
    deployer_service_account   = module.stack.deployer_service_account
    builder_service_account    = module.stack.builder_service_account
    topics                     = module.stack.topics
    dead_letter_subscriptions  = module.stack.dead_letter_subscriptions
    scheduler_jobs             = module.stack.scheduler_jobs
    secrets                    = module.stack.secrets
    slo_names                  = module.stack.slo_names
    uptime_check_id            = module.stack.uptime_check_id
  }
}
