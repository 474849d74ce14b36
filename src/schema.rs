// @generated automatically by Diesel CLI.

diesel::table! {
    audit_chain (event_id) {
        event_id -> Uuid,
        chain -> Text,
        position -> Int8,
        prev_hash -> Bytea,
        hash -> Bytea,
        sealed_at -> Timestamptz,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Uuid,
        cooperative_id -> Nullable<Uuid>,
        chain -> Text,
        actor_kind -> Text,
        actor_id -> Nullable<Uuid>,
        action -> Text,
        entity -> Text,
        entity_id -> Nullable<Text>,
        at -> Timestamptz,
        data -> Jsonb,
    }
}

diesel::table! {
    audit_heads (chain) {
        chain -> Text,
        position -> Int8,
        hash -> Bytea,
    }
}

diesel::table! {
    audit_pending (event_id) {
        event_id -> Uuid,
        chain -> Text,
    }
}

diesel::table! {
    award_allocations (award_id, rfq_line_id, quote_id) {
        award_id -> Uuid,
        rfq_line_id -> Uuid,
        quote_id -> Uuid,
        quantity -> Numeric,
        landed_total_base -> Numeric,
    }
}

diesel::table! {
    awards (id) {
        id -> Uuid,
        rfq_id -> Uuid,
        cooperative_id -> Uuid,
        partial -> Bool,
        rationale -> Nullable<Text>,
        total_base -> Numeric,
        optimum_base -> Numeric,
        fx_date -> Date,
        decided_by -> Uuid,
        decided_at -> Timestamptz,
    }
}

diesel::table! {
    cooperatives (id) {
        id -> Uuid,
        name -> Text,
        business_number -> Text,
        country -> Text,
        base_currency -> Text,
        timezone -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    demand_lines (id) {
        id -> Uuid,
        round_id -> Uuid,
        cooperative_id -> Uuid,
        member_id -> Uuid,
        material_id -> Uuid,
        quantity -> Numeric,
        unit -> Text,
        quantity_base -> Numeric,
        required_by -> Date,
        delivery_site -> Text,
        created_by -> Uuid,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    demand_rounds (id) {
        id -> Uuid,
        cooperative_id -> Uuid,
        title -> Text,
        status -> Text,
        closes_at -> Timestamptz,
        opened_at -> Nullable<Timestamptz>,
        closed_at -> Nullable<Timestamptz>,
        cancelled_at -> Nullable<Timestamptz>,
        reminder_sent_at -> Nullable<Timestamptz>,
        created_by -> Uuid,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    fx_rates (id) {
        id -> Uuid,
        date -> Date,
        base -> Text,
        currency -> Text,
        rate -> Numeric,
        source -> Text,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        cooperative_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    idempotency_keys (user_id, key) {
        user_id -> Uuid,
        key -> Text,
        request_hash -> Bytea,
        response_status -> Nullable<Int4>,
        response_body -> Nullable<Bytea>,
        response_location -> Nullable<Text>,
        response_content_type -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    invitations (token_hash) {
        token_hash -> Bytea,
        user_id -> Uuid,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    job_runs (job, period_start) {
        job -> Text,
        period_start -> Timestamptz,
        instance -> Text,
        claimed_at -> Timestamptz,
        lease_until -> Timestamptz,
        attempts -> Int4,
        finished_at -> Nullable<Timestamptz>,
        items -> Nullable<Int4>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    login_failures (id) {
        id -> Int8,
        email -> Text,
        at -> Timestamptz,
        ip -> Nullable<Text>,
        source -> Text,
    }
}

diesel::table! {
    login_sources (email, source) {
        email -> Text,
        source -> Text,
        last_login_at -> Timestamptz,
    }
}

diesel::table! {
    materials (id) {
        id -> Uuid,
        cooperative_id -> Uuid,
        code -> Text,
        name -> Text,
        name_ko -> Nullable<Text>,
        kind -> Text,
        hs_code -> Nullable<Text>,
        unit -> Text,
        spec -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    members (id) {
        id -> Uuid,
        cooperative_id -> Uuid,
        name -> Text,
        business_number -> Text,
        membership -> Text,
        contact_email -> Text,
        disabled -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    outbox_emails (id) {
        id -> Uuid,
        recipient -> Text,
        locale -> Text,
        template -> Text,
        payload -> Jsonb,
        dedupe_key -> Nullable<Text>,
        message_id -> Nullable<Text>,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        last_error -> Nullable<Text>,
        smtp_response -> Nullable<Text>,
        created_at -> Timestamptz,
        retry_window_started_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    outbox_webhooks (id) {
        id -> Uuid,
        supplier_id -> Uuid,
        url -> Text,
        event -> Text,
        body -> Text,
        dedupe_key -> Nullable<Text>,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        last_error -> Nullable<Text>,
        response_status -> Nullable<Int4>,
        created_at -> Timestamptz,
        retry_window_started_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    password_resets (token_hash) {
        token_hash -> Bytea,
        user_id -> Uuid,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    supplier_claims (token_hash) {
        token_hash -> Bytea,
        supplier_id -> Uuid,
        rfq_id -> Uuid,
        email -> Text,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        user_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    po_counters (cooperative_id, year) {
        cooperative_id -> Uuid,
        year -> Int4,
        last -> Int4,
    }
}

diesel::table! {
    po_lines (id) {
        id -> Uuid,
        po_id -> Uuid,
        rfq_line_id -> Uuid,
        material_id -> Uuid,
        position -> Int4,
        quantity -> Numeric,
        unit -> Text,
        unit_price -> Numeric,
        freight_per_unit -> Numeric,
        insurance_per_unit -> Numeric,
        amount -> Numeric,
        amount_base -> Numeric,
        required_by -> Date,
    }
}

diesel::table! {
    po_member_allocations (po_line_id, member_id) {
        po_line_id -> Uuid,
        member_id -> Uuid,
        po_id -> Uuid,
        cooperative_id -> Uuid,
        quantity -> Numeric,
        amount_base -> Numeric,
    }
}

diesel::table! {
    purchase_orders (id) {
        id -> Uuid,
        cooperative_id -> Uuid,
        supplier_id -> Uuid,
        rfq_id -> Uuid,
        quote_id -> Uuid,
        number -> Text,
        status -> Text,
        currency -> Text,
        incoterm -> Text,
        named_place -> Nullable<Text>,
        fx_rate -> Numeric,
        fx_date -> Date,
        total -> Numeric,
        total_base -> Numeric,
        issued_at -> Timestamptz,
        acknowledged_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    quote_lines (quote_id, rfq_line_id) {
        quote_id -> Uuid,
        rfq_line_id -> Uuid,
        rfq_id -> Uuid,
        unit_price -> Numeric,
        freight_per_unit -> Numeric,
        insurance_per_unit -> Numeric,
        min_quantity -> Numeric,
        max_quantity -> Nullable<Numeric>,
    }
}

diesel::table! {
    quote_price_breaks (quote_id, rfq_line_id, min_quantity) {
        quote_id -> Uuid,
        rfq_line_id -> Uuid,
        min_quantity -> Numeric,
        unit_price -> Numeric,
    }
}

diesel::table! {
    quote_revisions (quote_id, revision) {
        quote_id -> Uuid,
        revision -> Int4,
        document -> Text,
        digest -> Text,
        submitted_at -> Timestamptz,
        submitted_by -> Uuid,
        nonce -> Nullable<Text>,
    }
}

diesel::table! {
    quotes (id) {
        id -> Uuid,
        rfq_id -> Uuid,
        cooperative_id -> Uuid,
        supplier_id -> Uuid,
        status -> Text,
        revision -> Int4,
        currency -> Text,
        incoterm -> Text,
        named_place -> Nullable<Text>,
        valid_until -> Date,
        lead_time_days -> Int4,
        payment_terms -> Nullable<Text>,
        notes -> Nullable<Text>,
        digest -> Text,
        submitted_at -> Timestamptz,
        withdrawn_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Bytea,
        session_id -> Uuid,
        issued_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    rfq_fx_rates (rfq_id, currency) {
        rfq_id -> Uuid,
        currency -> Text,
        rate -> Numeric,
        rate_date -> Date,
        source -> Text,
        locked_at -> Timestamptz,
    }
}

diesel::table! {
    rfq_lines (id) {
        id -> Uuid,
        rfq_id -> Uuid,
        cooperative_id -> Uuid,
        round_id -> Uuid,
        material_id -> Uuid,
        position -> Int4,
        quantity -> Numeric,
        unit -> Text,
        required_by -> Date,
        duty_rate -> Numeric,
        live -> Bool,
    }
}

diesel::table! {
    rfq_logistics_adders (rfq_id, incoterm) {
        rfq_id -> Uuid,
        incoterm -> Text,
        amount -> Numeric,
    }
}

diesel::table! {
    rfq_suppliers (rfq_id, supplier_id) {
        rfq_id -> Uuid,
        supplier_id -> Uuid,
        cooperative_id -> Uuid,
        invited_at -> Timestamptz,
    }
}

diesel::table! {
    rfqs (id) {
        id -> Uuid,
        cooperative_id -> Uuid,
        round_id -> Uuid,
        title -> Text,
        status -> Text,
        deadline -> Timestamptz,
        delivery_place -> Text,
        currencies -> Array<Nullable<Text>>,
        incoterms -> Array<Nullable<Text>>,
        weight_price -> Numeric,
        weight_lead_time -> Numeric,
        published_at -> Nullable<Timestamptz>,
        cancelled_at -> Nullable<Timestamptz>,
        cancel_reason -> Nullable<Text>,
        created_by -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    round_materials (round_id, material_id) {
        round_id -> Uuid,
        material_id -> Uuid,
        cooperative_id -> Uuid,
    }
}

diesel::table! {
    sessions (id) {
        id -> Uuid,
        user_id -> Uuid,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        revoked_reason -> Nullable<Text>,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        web_token_hash -> Nullable<Bytea>,
        last_seen_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    suppliers (id) {
        id -> Uuid,
        name -> Text,
        country -> Text,
        business_number -> Nullable<Text>,
        tax_id -> Nullable<Text>,
        default_currency -> Text,
        contact_email -> Text,
        locale -> Text,
        webhook_url -> Nullable<Text>,
        webhook_secret -> Bytea,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Text,
        name -> Text,
        password_hash -> Nullable<Text>,
        role -> Text,
        cooperative_id -> Nullable<Uuid>,
        member_id -> Nullable<Uuid>,
        supplier_id -> Nullable<Uuid>,
        locale -> Text,
        disabled -> Bool,
        password_changed_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        supplier_admin -> Bool,
    }
}

diesel::joinable!(audit_chain -> audit_events (event_id));
diesel::joinable!(audit_pending -> audit_events (event_id));
diesel::joinable!(award_allocations -> awards (award_id));
diesel::joinable!(award_allocations -> quotes (quote_id));
diesel::joinable!(award_allocations -> rfq_lines (rfq_line_id));
diesel::joinable!(awards -> users (decided_by));
diesel::joinable!(demand_rounds -> cooperatives (cooperative_id));
diesel::joinable!(demand_rounds -> users (created_by));
diesel::joinable!(fx_rates -> cooperatives (cooperative_id));
diesel::joinable!(fx_rates -> users (created_by));
diesel::joinable!(idempotency_keys -> users (user_id));
diesel::joinable!(invitations -> users (user_id));
diesel::joinable!(materials -> cooperatives (cooperative_id));
diesel::joinable!(members -> cooperatives (cooperative_id));
diesel::joinable!(outbox_webhooks -> suppliers (supplier_id));
diesel::joinable!(password_resets -> users (user_id));
diesel::joinable!(po_counters -> cooperatives (cooperative_id));
diesel::joinable!(po_lines -> materials (material_id));
diesel::joinable!(po_lines -> purchase_orders (po_id));
diesel::joinable!(po_lines -> rfq_lines (rfq_line_id));
diesel::joinable!(po_member_allocations -> members (member_id));
diesel::joinable!(po_member_allocations -> po_lines (po_line_id));
diesel::joinable!(po_member_allocations -> purchase_orders (po_id));
diesel::joinable!(purchase_orders -> cooperatives (cooperative_id));
diesel::joinable!(purchase_orders -> quotes (quote_id));
diesel::joinable!(purchase_orders -> rfqs (rfq_id));
diesel::joinable!(purchase_orders -> suppliers (supplier_id));
diesel::joinable!(quote_lines -> quotes (quote_id));
diesel::joinable!(quote_revisions -> quotes (quote_id));
diesel::joinable!(quote_revisions -> users (submitted_by));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(rfq_fx_rates -> rfqs (rfq_id));
diesel::joinable!(rfq_logistics_adders -> rfqs (rfq_id));
diesel::joinable!(rfq_suppliers -> rfqs (rfq_id));
diesel::joinable!(rfq_suppliers -> suppliers (supplier_id));
diesel::joinable!(rfqs -> users (created_by));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(supplier_claims -> rfqs (rfq_id));
diesel::joinable!(supplier_claims -> suppliers (supplier_id));
diesel::joinable!(supplier_claims -> users (user_id));
diesel::joinable!(users -> cooperatives (cooperative_id));

diesel::allow_tables_to_appear_in_same_query!(
    audit_chain,
    audit_events,
    audit_heads,
    audit_pending,
    award_allocations,
    awards,
    cooperatives,
    demand_lines,
    demand_rounds,
    fx_rates,
    idempotency_keys,
    invitations,
    job_runs,
    login_failures,
    login_sources,
    materials,
    members,
    outbox_emails,
    outbox_webhooks,
    password_resets,
    po_counters,
    po_lines,
    po_member_allocations,
    purchase_orders,
    quote_lines,
    quote_price_breaks,
    quote_revisions,
    quotes,
    refresh_tokens,
    rfq_fx_rates,
    rfq_lines,
    rfq_logistics_adders,
    rfq_suppliers,
    rfqs,
    round_materials,
    sessions,
    supplier_claims,
    suppliers,
    users,
);
