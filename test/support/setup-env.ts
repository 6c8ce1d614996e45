/** Every test process runs as ENVIRONMENT=test with quiet logs unless a test captures them. */
process.env.ENVIRONMENT = 'test';
process.env.LOG_LEVEL ??= 'error';
