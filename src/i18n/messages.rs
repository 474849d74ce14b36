//! The message catalogue: [`Msgs`] and its Korean ([`KO`]) and English ([`EN`]) texts.
//! To add a message: add its name to the `catalogue!` list, then its text to both
//! statics (the build fails until both have it). Pages of one area keep their words in an
//! area catalogue of their own (see [`super`]).

use crate::auth::Locale;
use crate::error::ErrorCode;
use crate::rfqs::models::RfqStatus;
use crate::rounds::models::RoundStatus;

catalogue!(
    /// Every text of the product's frame and common pages in one language.
    Msgs {
    /// BCP 47 tag of the language (`<html lang>`).
    lang,
    /// The language's own name.
    lang_name,
    /// The tag of the other language.
    other_lang,
    /// The other language's own name (the switch's label).
    other_lang_name,
    language,
    switch_language_hint,
    skip_to_content,
    nav_label,
    signed_in_as,
    // Sign-in, sign-out, passwords, invitations.
    sign_in,
    sign_in_title,
    sign_in_intro,
    email,
    password,
    forgot_password_link,
    invalid_credentials,
    session_expired_notice,
    signed_out_notice,
    sign_out,
    forgot_title,
    forgot_intro,
    send_reset_link,
    reset_link_sent,
    back_to_sign_in,
    reset_title,
    reset_intro,
    new_password,
    confirm_password,
    password_hint,
    save_password,
    reset_link_invalid,
    password_reset_done,
    passwords_differ,
    change_password,
    current_password,
    password_changed_notice,
    invite_title,
    invite_link_invalid,
    accept_invitation,
    // Field errors (by the API's `code`).
    err_required,
    err_too_short,
    err_too_long,
    err_common_password,
    err_resembles_email,
    err_incorrect_password,
    err_unchanged,
    err_invalid_email,
    err_invalid,
    form_has_errors,
    // Roles.
    role_platform_admin,
    role_coop_admin,
    role_member,
    role_supplier,
    // Navigation and home.
    nav_home,
    nav_rfqs,
    nav_purchase_orders,
    nav_api_docs,
    nav_rounds,
    nav_members,
    nav_materials,
    nav_suppliers,
    nav_fx_rates,
    nav_audit,
    nav_cooperatives,
    nav_outbox,
    nav_company,
    home_title,
    more_pages_soon,
    cooperatives,
    no_cooperatives,
    name,
    country,
    base_currency,
    timezone,
    // Common words of lists and details.
    title,
    status,
    time_left,
    closed_already,
    view,
    none_yet,
    // Rounds.
    round,
    rounds,
    no_rounds,
    open_rounds,
    closes_at,
    materials,
    material,
    code,
    quantity,
    unit,
    base_quantity,
    required_by,
    delivery_site,
    demand_lines,
    my_demand_lines,
    no_demand_lines,
    demand_entry_later,
    round_draft,
    round_open,
    round_closed,
    round_cancelled,
    // RFQs and quotes.
    rfq,
    rfqs,
    no_rfqs,
    cooperative,
    deadline,
    delivery_place,
    currencies,
    incoterms,
    lines,
    sealed_notice,
    my_quote,
    no_quote_yet,
    revision,
    digest,
    quotes,
    supplier,
    currency,
    incoterm,
    submitted_at,
    cancel_reason,
    quoting_later,
    comparison_later,
    rfq_draft,
    rfq_published,
    rfq_closed,
    rfq_awarded,
    rfq_cancelled,
    quote_submitted,
    quote_withdrawn,
    // Purchase orders.
    purchase_order,
    purchase_orders,
    no_purchase_orders,
    po_number,
    issued_at,
    acknowledged_at,
    total,
    total_base,
    fx_rate,
    unit_price,
    freight_insurance,
    amount,
    amount_base,
    member,
    allocations,
    acknowledge,
    po_acknowledged_notice,
    named_place,
    print,
    po_issued,
    po_acknowledged,
    po_delivered,
    po_cancelled,
    // Why an offer could not be ranked (comparison flags).
    flag_min_above_quantity,
    flag_expired,
    // Error pages.
    back_home,
    error_bad_request_title,
    error_bad_request_body,
    error_forbidden_title,
    error_forbidden_body,
    error_not_found_title,
    error_not_found_body,
    error_conflict_title,
    error_conflict_body,
    error_sealed_body,
    error_internal_title,
    error_internal_body,
    error_unavailable_title,
    error_unavailable_body,
    error_csrf_title,
    error_csrf_body,
    error_rate_limited_title,
    }
);

/// Korean.
pub static KO: Msgs = Msgs {
    locale: Locale::Ko,
    lang: "ko",
    lang_name: "한국어",
    other_lang: "en",
    other_lang_name: "English",
    language: "언어",
    switch_language_hint: "Switch to English",
    skip_to_content: "본문 바로가기",
    nav_label: "주 메뉴",
    signed_in_as: "로그인 사용자",
    sign_in: "로그인",
    sign_in_title: "coprocure 로그인",
    sign_in_intro: "협동조합 공동구매 포털입니다. 조합, 회원사, 공급사 계정으로 로그인하십시오.",
    email: "이메일",
    password: "비밀번호",
    forgot_password_link: "비밀번호를 잊으셨나요?",
    invalid_credentials: "이메일 또는 비밀번호가 올바르지 않습니다.",
    session_expired_notice: "세션이 만료되었습니다. 다시 로그인하십시오.",
    signed_out_notice: "로그아웃했습니다.",
    sign_out: "로그아웃",
    forgot_title: "비밀번호 재설정",
    forgot_intro: "계정 이메일을 입력하시면 비밀번호를 다시 설정할 수 있는 일회용 링크를 보내 드립니다.",
    send_reset_link: "재설정 링크 보내기",
    reset_link_sent: "입력하신 주소가 계정에 등록되어 있다면 재설정 링크를 보냈습니다. 링크는 30분 동안 한 번만 쓸 수 있습니다.",
    back_to_sign_in: "로그인 화면으로",
    reset_title: "새 비밀번호 설정",
    reset_intro: "새 비밀번호를 입력하십시오. 설정하면 이 계정의 다른 모든 세션이 종료됩니다.",
    new_password: "새 비밀번호",
    confirm_password: "새 비밀번호 확인",
    password_hint: "8자 이상 128자 이하, 흔히 쓰이는 비밀번호는 사용할 수 없습니다.",
    save_password: "비밀번호 저장",
    reset_link_invalid: "이 재설정 링크는 없거나, 이미 사용되었거나, 만료되었습니다. 새 링크를 요청하십시오.",
    password_reset_done: "비밀번호를 바꿨습니다. 새 비밀번호로 로그인하십시오.",
    passwords_differ: "두 비밀번호가 서로 다릅니다.",
    change_password: "비밀번호 변경",
    current_password: "현재 비밀번호",
    password_changed_notice: "비밀번호를 바꿨습니다. 다른 기기의 세션은 모두 종료되었습니다.",
    invite_title: "초대 수락",
    invite_link_invalid: "이 초대 링크는 없거나, 이미 사용되었거나, 만료되었습니다. 초대한 분께 새 초대를 요청하십시오.",
    accept_invitation: "비밀번호 설정하고 시작하기",
    err_required: "필수 항목입니다.",
    err_too_short: "8자 이상이어야 합니다.",
    err_too_long: "128자 이하여야 합니다.",
    err_common_password: "너무 흔한 비밀번호입니다. 다른 비밀번호를 고르십시오.",
    err_resembles_email: "이메일 주소를 비밀번호로 쓸 수 없습니다.",
    err_incorrect_password: "현재 비밀번호가 맞지 않습니다.",
    err_unchanged: "현재 비밀번호와 달라야 합니다.",
    err_invalid_email: "올바른 이메일 주소가 아닙니다.",
    err_invalid: "올바르지 않은 값입니다.",
    form_has_errors: "입력 내용을 확인하십시오.",
    role_platform_admin: "플랫폼 관리자",
    role_coop_admin: "조합 구매담당",
    role_member: "회원사",
    role_supplier: "공급사",
    nav_home: "홈",
    nav_rfqs: "견적요청",
    nav_purchase_orders: "발주서",
    nav_api_docs: "API 문서",
    nav_rounds: "수요조사",
    nav_members: "조합원사",
    nav_materials: "품목",
    nav_suppliers: "공급사",
    nav_fx_rates: "환율",
    nav_audit: "감사 기록",
    nav_cooperatives: "조합",
    nav_outbox: "발송함",
    nav_company: "회사 정보",
    home_title: "홈",
    more_pages_soon: "관리 화면은 차례로 추가됩니다. 그 전까지는 API 문서에서 모든 기능을 쓸 수 있습니다.",
    cooperatives: "협동조합",
    no_cooperatives: "등록된 협동조합이 없습니다.",
    name: "이름",
    country: "국가",
    base_currency: "기준 통화",
    timezone: "시간대",
    title: "제목",
    status: "상태",
    time_left: "남은 시간",
    closed_already: "마감됨",
    view: "보기",
    none_yet: "없음",
    round: "수요조사",
    rounds: "수요조사",
    no_rounds: "수요조사가 없습니다.",
    open_rounds: "진행 중인 수요조사",
    closes_at: "마감",
    materials: "품목",
    material: "품목",
    code: "코드",
    quantity: "수량",
    unit: "단위",
    base_quantity: "기준 단위 수량",
    required_by: "납기",
    delivery_site: "납품 장소",
    demand_lines: "수요",
    my_demand_lines: "우리 회사 수요",
    no_demand_lines: "입력된 수요가 없습니다.",
    demand_entry_later: "포털에서 수요를 입력하는 화면은 곧 제공됩니다.",
    round_draft: "준비 중",
    round_open: "진행 중",
    round_closed: "마감",
    round_cancelled: "취소",
    rfq: "견적요청",
    rfqs: "견적요청",
    no_rfqs: "견적요청이 없습니다.",
    cooperative: "협동조합",
    deadline: "견적 마감",
    delivery_place: "인도 장소",
    currencies: "허용 통화",
    incoterms: "인코텀즈",
    lines: "요청 품목",
    sealed_notice: "견적은 마감 시각까지 봉인되어 있습니다. 마감 전에는 제출 건수만 볼 수 있습니다.",
    my_quote: "우리 회사 견적",
    no_quote_yet: "아직 제출한 견적이 없습니다.",
    revision: "차수",
    digest: "접수 다이제스트",
    quotes: "견적",
    supplier: "공급사",
    currency: "통화",
    incoterm: "인코텀즈",
    submitted_at: "제출 시각",
    cancel_reason: "취소 사유",
    quoting_later: "포털에서 견적을 제출하는 화면은 곧 제공됩니다.",
    comparison_later: "비교표와 낙찰 화면은 곧 제공됩니다.",
    rfq_draft: "작성 중",
    rfq_published: "견적 접수 중",
    rfq_closed: "마감 (낙찰 대기)",
    rfq_awarded: "낙찰 완료",
    rfq_cancelled: "취소",
    quote_submitted: "제출됨",
    quote_withdrawn: "철회됨",
    purchase_order: "발주서",
    purchase_orders: "발주서",
    no_purchase_orders: "발주서가 없습니다.",
    po_number: "발주번호",
    issued_at: "발주일시",
    acknowledged_at: "수주 확인 일시",
    total: "합계",
    total_base: "기준 통화 합계",
    fx_rate: "적용 환율",
    unit_price: "단가",
    freight_insurance: "운임·보험료 (단위당)",
    amount: "금액",
    amount_base: "기준 통화 금액",
    member: "회원사",
    allocations: "회원사 배분",
    acknowledge: "수주 확인",
    po_acknowledged_notice: "수주를 확인했습니다.",
    named_place: "지정 장소",
    print: "인쇄",
    po_issued: "발주",
    po_acknowledged: "수주 확인",
    po_delivered: "납품 완료",
    po_cancelled: "취소",
    flag_min_above_quantity: "최소 수량이 요청 수량보다 많음",
    flag_expired: "견적 유효기간 경과",
    back_home: "홈으로",
    error_bad_request_title: "잘못된 요청",
    error_bad_request_body: "요청을 처리할 수 없습니다. 입력을 확인하고 다시 시도하십시오.",
    error_forbidden_title: "권한이 없습니다",
    error_forbidden_body: "이 작업은 현재 역할로 할 수 없습니다.",
    error_not_found_title: "페이지를 찾을 수 없습니다",
    error_not_found_body: "요청하신 항목이 없거나 볼 수 있는 권한이 없습니다.",
    error_conflict_title: "지금은 할 수 없습니다",
    error_conflict_body: "현재 상태에서는 이 작업을 할 수 없습니다.",
    error_sealed_body: "견적은 마감 시각까지 봉인되어 있어 볼 수 없습니다.",
    error_internal_title: "오류가 발생했습니다",
    error_internal_body: "예상하지 못한 오류가 발생해 기록했습니다. 잠시 후 다시 시도하십시오.",
    error_unavailable_title: "잠시 이용할 수 없습니다",
    error_unavailable_body: "서비스가 일시적으로 응답하지 않습니다. 잠시 후 다시 시도하십시오.",
    error_csrf_title: "요청을 확인할 수 없습니다",
    error_csrf_body: "이 요청은 coprocure 화면에서 보낸 것으로 확인되지 않아 처리하지 않았습니다. 페이지를 새로 고친 뒤 다시 시도하십시오.",
    error_rate_limited_title: "시도가 너무 많습니다",
};

/// English.
pub static EN: Msgs = Msgs {
    locale: Locale::En,
    lang: "en",
    lang_name: "English",
    other_lang: "ko",
    other_lang_name: "한국어",
    language: "Language",
    switch_language_hint: "한국어로 보기",
    skip_to_content: "Skip to content",
    nav_label: "Main menu",
    signed_in_as: "Signed in as",
    sign_in: "Sign in",
    sign_in_title: "Sign in to coprocure",
    sign_in_intro: "The joint-procurement portal of your cooperative. Sign in with your cooperative, member or supplier account.",
    email: "Email",
    password: "Password",
    forgot_password_link: "Forgot your password?",
    invalid_credentials: "The email or password is incorrect.",
    session_expired_notice: "Your session has expired. Please sign in again.",
    signed_out_notice: "You have signed out.",
    sign_out: "Sign out",
    forgot_title: "Reset your password",
    forgot_intro: "Enter your account's email address and we will send you a one-time link to set a new password.",
    send_reset_link: "Send the reset link",
    reset_link_sent: "If the address belongs to an account, a reset link is on its way. The link works once, for 30 minutes.",
    back_to_sign_in: "Back to sign-in",
    reset_title: "Set a new password",
    reset_intro: "Choose a new password. Setting it ends every other session of this account.",
    new_password: "New password",
    confirm_password: "Confirm the new password",
    password_hint: "8 to 128 characters; very common passwords are refused.",
    save_password: "Save the password",
    reset_link_invalid: "This reset link is unknown, already used or expired. Please ask for a new one.",
    password_reset_done: "Your password has been changed. Sign in with the new password.",
    passwords_differ: "The two passwords differ.",
    change_password: "Change password",
    current_password: "Current password",
    password_changed_notice: "Your password has been changed. Your sessions on other devices have ended.",
    invite_title: "Accept the invitation",
    invite_link_invalid: "This invitation link is unknown, already used or expired. Ask the person who invited you for a new one.",
    accept_invitation: "Set the password and start",
    err_required: "This field is required.",
    err_too_short: "Use at least 8 characters.",
    err_too_long: "Use at most 128 characters.",
    err_common_password: "This password is too common; choose another.",
    err_resembles_email: "Your email address cannot be your password.",
    err_incorrect_password: "This is not your current password.",
    err_unchanged: "Must differ from the current password.",
    err_invalid_email: "This is not a valid email address.",
    err_invalid: "This value is not valid.",
    form_has_errors: "Please check the form.",
    role_platform_admin: "Platform administrator",
    role_coop_admin: "Cooperative buyer",
    role_member: "Member company",
    role_supplier: "Supplier",
    nav_home: "Home",
    nav_rfqs: "RFQs",
    nav_purchase_orders: "Purchase orders",
    nav_api_docs: "API docs",
    nav_rounds: "Demand rounds",
    nav_members: "Members",
    nav_materials: "Materials",
    nav_suppliers: "Suppliers",
    nav_fx_rates: "FX rates",
    nav_audit: "Audit trail",
    nav_cooperatives: "Cooperatives",
    nav_outbox: "Outbox",
    nav_company: "Company",
    home_title: "Home",
    more_pages_soon: "The management pages arrive step by step; until then the API docs cover every function.",
    cooperatives: "Cooperatives",
    no_cooperatives: "No cooperative yet.",
    name: "Name",
    country: "Country",
    base_currency: "Base currency",
    timezone: "Time zone",
    title: "Title",
    status: "Status",
    time_left: "Time left",
    closed_already: "Closed",
    view: "View",
    none_yet: "None",
    round: "Demand round",
    rounds: "Demand rounds",
    no_rounds: "No demand round yet.",
    open_rounds: "Open demand rounds",
    closes_at: "Closes",
    materials: "Materials",
    material: "Material",
    code: "Code",
    quantity: "Quantity",
    unit: "Unit",
    base_quantity: "Quantity in base unit",
    required_by: "Required by",
    delivery_site: "Delivery site",
    demand_lines: "Demand",
    my_demand_lines: "Your company's demand",
    no_demand_lines: "No demand entered.",
    demand_entry_later: "Entering demand in the portal is coming soon.",
    round_draft: "Draft",
    round_open: "Open",
    round_closed: "Closed",
    round_cancelled: "Cancelled",
    rfq: "Request for quotation",
    rfqs: "Requests for quotation",
    no_rfqs: "No request for quotation yet.",
    cooperative: "Cooperative",
    deadline: "Quote deadline",
    delivery_place: "Delivery place",
    currencies: "Currencies accepted",
    incoterms: "Incoterms",
    lines: "Lines",
    sealed_notice: "Quotes are sealed until the deadline; until then only their number is visible.",
    my_quote: "Your quote",
    no_quote_yet: "You have not submitted a quote yet.",
    revision: "Revision",
    digest: "Receipt digest",
    quotes: "Quotes",
    supplier: "Supplier",
    currency: "Currency",
    incoterm: "Incoterm",
    submitted_at: "Submitted",
    cancel_reason: "Reason for cancellation",
    quoting_later: "Submitting quotes in the portal is coming soon.",
    comparison_later: "The comparison and award pages are coming soon.",
    rfq_draft: "Draft",
    rfq_published: "Open for quotes",
    rfq_closed: "Closed (awaiting award)",
    rfq_awarded: "Awarded",
    rfq_cancelled: "Cancelled",
    quote_submitted: "Submitted",
    quote_withdrawn: "Withdrawn",
    purchase_order: "Purchase order",
    purchase_orders: "Purchase orders",
    no_purchase_orders: "No purchase order yet.",
    po_number: "PO number",
    issued_at: "Issued",
    acknowledged_at: "Acknowledged",
    total: "Total",
    total_base: "Total in base currency",
    fx_rate: "FX rate applied",
    unit_price: "Unit price",
    freight_insurance: "Freight and insurance per unit",
    amount: "Amount",
    amount_base: "Amount in base currency",
    member: "Member",
    allocations: "Member allocations",
    acknowledge: "Acknowledge",
    po_acknowledged_notice: "You have acknowledged the purchase order.",
    named_place: "Named place",
    print: "Print",
    po_issued: "Issued",
    po_acknowledged: "Acknowledged",
    po_delivered: "Delivered",
    po_cancelled: "Cancelled",
    flag_min_above_quantity: "minimum quantity above the quantity requested",
    flag_expired: "quote validity expired",
    back_home: "Back to home",
    error_bad_request_title: "Bad request",
    error_bad_request_body: "The request cannot be processed. Check what you entered and try again.",
    error_forbidden_title: "Not allowed",
    error_forbidden_body: "Your role may not do this.",
    error_not_found_title: "Page not found",
    error_not_found_body: "What you asked for does not exist or is not visible to you.",
    error_conflict_title: "Not possible right now",
    error_conflict_body: "This cannot be done in the current state.",
    error_sealed_body: "Quotes are sealed until the deadline and cannot be read yet.",
    error_internal_title: "Something went wrong",
    error_internal_body: "An unexpected error occurred and has been logged. Please try again shortly.",
    error_unavailable_title: "Temporarily unavailable",
    error_unavailable_body: "The service is not answering right now. Please try again shortly.",
    error_csrf_title: "Request not accepted",
    error_csrf_body: "This request could not be confirmed as sent from a coprocure page, so nothing was changed. Reload the page and try again.",
    error_rate_limited_title: "Too many attempts",
};

impl Msgs {
    /// "N of M invited suppliers have quoted" (the only quote fact before the deadline).
    pub fn submitted_of(&self, n: i64, of: usize) -> String {
        match self.locale {
            Locale::Ko => format!("초대한 공급사 {of}곳 중 {n}곳 제출"),
            Locale::En if n == 1 => format!("1 of {of} invited suppliers have quoted"),
            Locale::En => format!("{n} of {of} invited suppliers have quoted"),
        }
    }

    /// "Welcome, NAME".
    pub fn welcome(&self, name: &str) -> String {
        match self.locale {
            Locale::Ko => format!("{name}님, 환영합니다"),
            Locale::En => format!("Welcome, {name}"),
        }
    }

    /// The invitation page's introduction.
    pub fn invite_intro(&self, email: &str, organisation: &str) -> String {
        match self.locale {
            Locale::Ko => format!(
                "{organisation}에서 {email} 계정으로 coprocure에 초대했습니다. 비밀번호를 정하면 바로 로그인됩니다."
            ),
            Locale::En => format!(
                "{organisation} has invited {email} to coprocure. Choose a password and you are signed in."
            ),
        }
    }

    /// "Try again in N seconds" (throttled sign-in).
    pub fn retry_in(&self, secs: u64) -> String {
        let minutes = secs.div_ceil(60);
        match self.locale {
            Locale::Ko if secs < 60 => format!("{secs}초 뒤에 다시 시도하십시오."),
            Locale::Ko => format!("{minutes}분 뒤에 다시 시도하십시오."),
            Locale::En if secs < 60 => format!("Try again in {secs} seconds."),
            Locale::En if minutes == 1 => "Try again in a minute.".to_owned(),
            Locale::En => format!("Try again in {minutes} minutes."),
        }
    }

    /// "Revision n, submitted at …".
    pub fn revision_n(&self, n: i32) -> String {
        match self.locale {
            Locale::Ko => format!("{n}차"),
            Locale::En => format!("revision {n}"),
        }
    }

    /// A round's status.
    pub fn round_status(&self, s: &RoundStatus) -> &'static str {
        match s {
            RoundStatus::Draft => self.round_draft,
            RoundStatus::Open => self.round_open,
            RoundStatus::Closed => self.round_closed,
            RoundStatus::Cancelled => self.round_cancelled,
        }
    }

    /// An RFQ's status.
    pub fn rfq_status(&self, s: &RfqStatus) -> &'static str {
        match s {
            RfqStatus::Draft => self.rfq_draft,
            RfqStatus::Published => self.rfq_published,
            RfqStatus::Closed => self.rfq_closed,
            RfqStatus::Awarded => self.rfq_awarded,
            RfqStatus::Cancelled => self.rfq_cancelled,
        }
    }

    /// A quote's stored status.
    pub fn quote_status(&self, s: &str) -> &'static str {
        match s {
            "withdrawn" => self.quote_withdrawn,
            _ => self.quote_submitted,
        }
    }

    /// A purchase order's stored status.
    pub fn po_status(&self, s: &str) -> &'static str {
        match s {
            "acknowledged" => self.po_acknowledged,
            "delivered" => self.po_delivered,
            "cancelled" => self.po_cancelled,
            _ => self.po_issued,
        }
    }

    /// Why an offer of a comparison could not be ranked, by its flag code.
    pub fn offer_flag(&self, code: &str) -> &'static str {
        match code {
            "min_above_quantity" => self.flag_min_above_quantity,
            "expired" => self.flag_expired,
            _ => self.err_invalid,
        }
    }

    /// The message for an error `code` of the API (a field error's or a problem's).
    pub fn field_error(&self, code: ErrorCode) -> &'static str {
        use ErrorCode as C;
        match code {
            C::Required => self.err_required,
            C::TooShort => self.err_too_short,
            C::TooLong => self.err_too_long,
            C::CommonPassword => self.err_common_password,
            C::ResemblesEmail => self.err_resembles_email,
            C::Incorrect => self.err_incorrect_password,
            C::Unchanged => self.err_unchanged,
            C::InvalidEmail => self.err_invalid_email,
            C::PasswordsDiffer => self.passwords_differ,
            C::InvalidInvitation => self.invite_link_invalid,
            C::InvalidResetToken => self.reset_link_invalid,
            // No message of their own yet: the generic one. Every code is named, so a new
            // code fails to compile here until it is given a message or added to this list.
            C::AboveLineQuantity
            | C::AccountDisabled
            | C::AlreadyAwarded
            | C::AlreadySent
            | C::AmountOutOfRange
            | C::BeforeDeadline
            | C::CannotDisableSelf
            | C::ClosesAtPassed
            | C::CurrencyNotAllowed
            | C::Datetime
            | C::DatabaseUnavailable
            | C::DeadlinePassed
            | C::DuplicateLine
            | C::DuplicateOffer
            | C::EmailTaken
            | C::Empty
            | C::EmptyCatalog
            | C::Forbidden
            | C::FxRateMissing
            | C::IdempotencyKeyReused
            | C::InThePast
            | C::IncompatibleUnit
            | C::IncotermNotAllowed
            | C::InexactConversion
            | C::InternalError
            | C::InvalidBody
            | C::InvalidClaim
            | C::InvalidBusinessNumber
            | C::InvalidCharacters
            | C::InvalidCode
            | C::InvalidCountry
            | C::InvalidCredentials
            | C::InvalidCurrency
            | C::InvalidCursor
            | C::InvalidDecimal
            | C::InvalidFormat
            | C::InvalidHsCode
            | C::InvalidIdempotencyKey
            | C::InvalidIncoterm
            | C::InvalidKind
            | C::InvalidLocale
            | C::InvalidMembership
            | C::InvalidQuery
            | C::InvalidRefreshToken
            | C::InvalidRole
            | C::InvalidTaxId
            | C::InvalidTimezone
            | C::InvalidToken
            | C::InvalidTransition
            | C::InvalidWebhookUrl
            | C::LinesMissing
            | C::MalformedBody
            | C::MalformedJson
            | C::MaterialInLiveRfq
            | C::MethodNotAllowed
            | C::MinAboveMax
            | C::MissingToken
            | C::Negative
            | C::NoDemand
            | C::NoSuppliers
            | C::NotADiscount
            | C::NotAllowed
            | C::NotAnOffer
            | C::NotFound
            | C::NotInRfq
            | C::NotInRound
            | C::NotIncreasing
            | C::NotLater
            | C::NotLineQuantity
            | C::NotPositive
            | C::NotYourMember
            | C::OfferUnusable
            | C::OutOfRange
            | C::OutsideOfferRange
            | C::PayloadTooLarge
            | C::QuantityTooLarge
            | C::QuoteExists
            | C::QuoteWithdrawn
            | C::QuotesChanged
            | C::RateLimited
            | C::RationaleRequired
            | C::RefreshTokenReused
            | C::RfqCancelled
            | C::RfqChanged
            | C::RfqClosed
            | C::RfqPublished
            | C::RoundNotClosed
            | C::RoundNotOpen
            | C::SameAsBase
            | C::Sealed
            | C::Sequential
            | C::SessionExpired
            | C::SessionRevoked
            | C::SignInRequired
            | C::Taken
            | C::TokenExpired
            | C::TokenNotYetValid
            | C::TooEarly
            | C::TooLarge
            | C::TooMany
            | C::TooManyFailedLogins
            | C::TooManyLines
            | C::TooPrecise
            | C::TooRepetitive
            | C::UnknownCooperative
            | C::UnknownLine
            | C::UnknownMaterial
            | C::UnknownMember
            | C::UnknownSupplier
            | C::UnknownUnit
            | C::UnsupportedMediaType
            | C::UnsupportedRole
            | C::ValidationFailed
            | C::ZeroSum => self.err_invalid,
        }
    }
}
