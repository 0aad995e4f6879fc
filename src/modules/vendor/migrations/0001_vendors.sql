-- Stores (vendors) and the people who run them. User ids belong to the identity module: no foreign keys across
-- modules, the vendor module only stores them.
CREATE TABLE vendors (
    id TEXT PRIMARY KEY,                          -- vnd_...
    handle TEXT NOT NULL UNIQUE,                  -- [a-z0-9] words joined by dashes
    name TEXT NOT NULL,
    legal_name TEXT,
    contact_email TEXT,
    contact_phone TEXT,                           -- E.164
    description TEXT,
    logo_url TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'rejected', 'suspended')),
    status_reason TEXT,                           -- why it was rejected or suspended
    status_changed_at_ms BIGINT,
    pickup_line1 TEXT NOT NULL,
    pickup_line2 TEXT,
    pickup_city TEXT NOT NULL,
    pickup_postal_code TEXT,
    pickup_country TEXT NOT NULL,                 -- ISO 3166-1 alpha-2
    pickup_lat DOUBLE PRECISION NOT NULL CHECK (pickup_lat >= -90 AND pickup_lat <= 90),
    pickup_lng DOUBLE PRECISION NOT NULL CHECK (pickup_lng >= -180 AND pickup_lng <= 180),
    payout TEXT,                                  -- JSON placeholder until the payments module
    owner_id TEXT NOT NULL,                       -- usr_..., the applicant
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);
CREATE INDEX vendors_status ON vendors (status, id);

-- A user works for at most one store (the vendor is resolved from the signed-in user), as its owner or as staff.
CREATE TABLE vendor_members (
    id TEXT PRIMARY KEY,                          -- mbr_...
    vendor_id TEXT NOT NULL REFERENCES vendors (id),
    user_id TEXT NOT NULL UNIQUE,                 -- usr_...
    role TEXT NOT NULL CHECK (role IN ('owner', 'staff')),
    invited_by TEXT,                              -- usr_... of the owner who added them; NULL for the owner
    invited_at_ms BIGINT NOT NULL,
    accepted_at_ms BIGINT,                        -- set when the invitation takes effect
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);
CREATE INDEX vendor_members_vendor ON vendor_members (vendor_id, id);
