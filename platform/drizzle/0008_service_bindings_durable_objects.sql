ALTER TABLE "deployments" ADD COLUMN "durable_objects" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "deployments" ADD COLUMN "services" jsonb DEFAULT '[]'::jsonb NOT NULL;