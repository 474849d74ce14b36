-- Cooperatives and their members, suppliers, invitations, and the material catalog.
-- Every cooperative-owned row carries cooperative_id (tenancy; DESIGN "Actors and roles").

CREATE TABLE cooperatives (
    id              uuid PRIMARY KEY,
    name            text NOT NULL,
    business_number text NOT NULL,
    country         text NOT NULL,
    base_currency   text NOT NULL,
    timezone        text NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CONSTRAINT cooperatives_name_present CHECK (length(btrim(name)) > 0),
    CONSTRAINT cooperatives_country_shape CHECK (country ~ '^[A-Z]{2}$'),
    CONSTRAINT cooperatives_currency_shape CHECK (base_currency ~ '^[A-Z]{3}$')
);
CREATE UNIQUE INDEX cooperatives_business_number_key ON cooperatives (country, business_number);
CREATE INDEX cooperatives_list ON cooperatives (created_at DESC, id DESC);

CREATE TABLE members (
    id              uuid PRIMARY KEY,
    cooperative_id  uuid NOT NULL REFERENCES cooperatives (id),
    name            text NOT NULL,
    business_number text NOT NULL,
    membership      text NOT NULL,
    contact_email   text NOT NULL,
    disabled        boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CONSTRAINT members_membership_known CHECK (membership IN ('regular', 'associate')),
    CONSTRAINT members_name_present CHECK (length(btrim(name)) > 0),
    -- Lets users reference (member, cooperative) so a member user cannot point at another
    -- cooperative's member.
    CONSTRAINT members_id_cooperative_key UNIQUE (id, cooperative_id)
);
CREATE UNIQUE INDEX members_business_number_key ON members (cooperative_id, business_number);
CREATE INDEX members_list ON members (cooperative_id, created_at DESC, id DESC);

CREATE TABLE suppliers (
    id               uuid PRIMARY KEY,
    name             text NOT NULL,
    country          text NOT NULL,
    business_number  text,
    tax_id           text,
    default_currency text NOT NULL,
    contact_email    text NOT NULL,
    locale           text NOT NULL,
    webhook_url      text,
    -- HMAC key for signing webhook bodies (issue: RFQ publication).
    webhook_secret   bytea NOT NULL,
    created_by       uuid REFERENCES users (id),
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    CONSTRAINT suppliers_name_present CHECK (length(btrim(name)) > 0),
    CONSTRAINT suppliers_country_shape CHECK (country ~ '^[A-Z]{2}$'),
    CONSTRAINT suppliers_currency_shape CHECK (default_currency ~ '^[A-Z]{3}$'),
    CONSTRAINT suppliers_locale_known CHECK (locale IN ('ko', 'en')),
    CONSTRAINT suppliers_identified CHECK (business_number IS NOT NULL OR tax_id IS NOT NULL)
);
CREATE UNIQUE INDEX suppliers_business_number_key ON suppliers (country, business_number) WHERE business_number IS NOT NULL;
CREATE UNIQUE INDEX suppliers_tax_id_key ON suppliers (country, tax_id) WHERE tax_id IS NOT NULL;
CREATE INDEX suppliers_list ON suppliers (created_at DESC, id DESC);

ALTER TABLE users
    ADD CONSTRAINT users_cooperative_fk FOREIGN KEY (cooperative_id) REFERENCES cooperatives (id),
    ADD CONSTRAINT users_member_fk FOREIGN KEY (member_id, cooperative_id) REFERENCES members (id, cooperative_id),
    ADD CONSTRAINT users_supplier_fk FOREIGN KEY (supplier_id) REFERENCES suppliers (id);
CREATE INDEX users_by_cooperative ON users (cooperative_id, created_at DESC, id DESC) WHERE cooperative_id IS NOT NULL;
CREATE INDEX users_by_member ON users (member_id) WHERE member_id IS NOT NULL;
CREATE INDEX users_by_supplier ON users (supplier_id, created_at DESC, id DESC) WHERE supplier_id IS NOT NULL;

CREATE TABLE invitations (
    -- SHA-256 of the 256-bit token; the token itself only travels in the email.
    token_hash bytea PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    CONSTRAINT invitations_hash_size CHECK (octet_length(token_hash) = 32)
);
CREATE INDEX invitations_by_user ON invitations (user_id);

CREATE TABLE materials (
    id             uuid PRIMARY KEY,
    cooperative_id uuid NOT NULL REFERENCES cooperatives (id),
    code           text NOT NULL,
    name           text NOT NULL,
    name_ko        text,
    kind           text NOT NULL,
    hs_code        text,
    unit           text NOT NULL,
    spec           text,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    CONSTRAINT materials_kind_known CHECK (kind IN ('raw', 'subsidiary')),
    CONSTRAINT materials_hs_code_shape CHECK (hs_code IS NULL OR hs_code ~ '^[0-9]{6,10}$'),
    CONSTRAINT materials_code_shape CHECK (code ~ '^[A-Z0-9][A-Z0-9._-]{0,31}$'),
    CONSTRAINT materials_id_cooperative_key UNIQUE (id, cooperative_id)
);
CREATE UNIQUE INDEX materials_code_key ON materials (cooperative_id, code);
CREATE INDEX materials_list ON materials (cooperative_id, created_at DESC, id DESC);
