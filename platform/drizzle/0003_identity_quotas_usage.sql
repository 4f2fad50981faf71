CREATE TABLE "members" (
	"id" text PRIMARY KEY NOT NULL,
	"issuer" text NOT NULL,
	"subject" text NOT NULL,
	"email" text,
	"display_name" text,
	"is_operator" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_login_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "memberships" (
	"member_id" text NOT NULL,
	"ministry_id" text NOT NULL,
	"role" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "quotas" (
	"ministry_id" text PRIMARY KEY NOT NULL,
	"max_apps" integer DEFAULT 10 NOT NULL,
	"max_bundle_bytes" integer DEFAULT 10485760 NOT NULL,
	"max_deployments_per_day" integer DEFAULT 50 NOT NULL,
	"max_memory_mib_per_app" integer DEFAULT 256 NOT NULL,
	"max_instances_per_app" integer DEFAULT 2 NOT NULL,
	"max_requests_per_minute_per_app" integer DEFAULT 6000 NOT NULL,
	"max_kv_bytes" bigint DEFAULT 104857600 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text
);
--> statement-breakpoint
CREATE TABLE "login_transactions" (
	"id_hash" text PRIMARY KEY NOT NULL,
	"state" text NOT NULL,
	"nonce" text NOT NULL,
	"code_verifier" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id_hash" text PRIMARY KEY NOT NULL,
	"member_id" text NOT NULL,
	"csrf_token" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "usage_minutes" (
	"app_id" text NOT NULL,
	"ministry_id" text NOT NULL,
	"minute" timestamp with time zone NOT NULL,
	"requests" integer DEFAULT 0 NOT NULL,
	"errors" integer DEFAULT 0 NOT NULL,
	"bytes_in" bigint DEFAULT 0 NOT NULL,
	"bytes_out" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "usage_minutes_app_id_minute_pk" PRIMARY KEY("app_id","minute")
);
--> statement-breakpoint
ALTER TABLE "api_tokens" ALTER COLUMN "role" DROP NOT NULL;--> statement-breakpoint
-- Tokens created before roles existed were bootstrap operator tokens: keep them working, with an expiry.
UPDATE "api_tokens" SET "expires_at" = now() + interval '90 days' WHERE "expires_at" IS NULL;--> statement-breakpoint
ALTER TABLE "api_tokens" ALTER COLUMN "expires_at" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "kind" text NOT NULL DEFAULT 'bootstrap';--> statement-breakpoint
ALTER TABLE "api_tokens" ALTER COLUMN "kind" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "member_id" text;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "created_by" text NOT NULL DEFAULT 'platform';--> statement-breakpoint
ALTER TABLE "api_tokens" ALTER COLUMN "created_by" DROP DEFAULT;--> statement-breakpoint
-- Every existing ministry gets the default quota.
INSERT INTO "quotas" ("ministry_id") SELECT "id" FROM "ministries" ON CONFLICT DO NOTHING;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "last_used_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "deployments" ADD COLUMN "memory_mib" integer DEFAULT 128 NOT NULL;--> statement-breakpoint
ALTER TABLE "deployments" ADD COLUMN "instances" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_ministry_id_ministries_id_fk" FOREIGN KEY ("ministry_id") REFERENCES "public"."ministries"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "quotas" ADD CONSTRAINT "quotas_ministry_id_ministries_id_fk" FOREIGN KEY ("ministry_id") REFERENCES "public"."ministries"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "members_issuer_subject_key" ON "members" USING btree ("issuer","subject");--> statement-breakpoint
CREATE UNIQUE INDEX "memberships_member_ministry_key" ON "memberships" USING btree ("member_id","ministry_id");--> statement-breakpoint
CREATE INDEX "memberships_ministry_idx" ON "memberships" USING btree ("ministry_id");--> statement-breakpoint
CREATE INDEX "usage_minutes_ministry_idx" ON "usage_minutes" USING btree ("ministry_id","minute");--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_tokens_member_idx" ON "api_tokens" USING btree ("member_id");