CREATE TABLE "cron_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"deployment_id" text NOT NULL,
	"cron" text NOT NULL,
	"scheduled_at" timestamp with time zone NOT NULL,
	"trigger" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"outcome" text,
	"message" text,
	"duration_ms" integer
);
--> statement-breakpoint
ALTER TABLE "deployments" ADD COLUMN "crons" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "cron_runs" ADD CONSTRAINT "cron_runs_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "cron_runs_once_key" ON "cron_runs" USING btree ("app_id","cron","scheduled_at","trigger");--> statement-breakpoint
CREATE INDEX "cron_runs_app_idx" ON "cron_runs" USING btree ("app_id","started_at");