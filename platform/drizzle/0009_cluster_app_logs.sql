CREATE TABLE "app_log_lines" (
	"app_id" text NOT NULL,
	"line_id" text NOT NULL,
	"deployment_id" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"kind" text NOT NULL,
	"stream" text,
	"message" text NOT NULL,
	"request" jsonb,
	CONSTRAINT "app_log_lines_app_id_line_id_pk" PRIMARY KEY("app_id","line_id")
);
--> statement-breakpoint
ALTER TABLE "app_log_lines" ADD CONSTRAINT "app_log_lines_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "app_log_lines_at_idx" ON "app_log_lines" USING btree ("app_id","at");