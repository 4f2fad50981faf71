CREATE TABLE "deployment_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "deployment_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"deployment_id" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"type" text NOT NULL,
	"message" text NOT NULL,
	"count" integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "deployments" ADD COLUMN "health_path" text;--> statement-breakpoint
ALTER TABLE "deployments" ADD COLUMN "created_by" text;--> statement-breakpoint
ALTER TABLE "deployments" ADD COLUMN "idempotency_key" text;--> statement-breakpoint
ALTER TABLE "deployments" ADD COLUMN "request_sha256" text;--> statement-breakpoint
ALTER TABLE "deployments" ADD COLUMN "status_detail" text;--> statement-breakpoint
ALTER TABLE "deployments" ADD COLUMN "conditions" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "deployments" ADD COLUMN "ready_instances" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "deployment_events" ADD CONSTRAINT "deployment_events_deployment_id_deployments_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "public"."deployments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "deployment_events_deployment_idx" ON "deployment_events" USING btree ("deployment_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "deployments_app_idempotency_key" ON "deployments" USING btree ("app_id","idempotency_key");