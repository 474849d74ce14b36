//! Words of a supplier's company page and of the account claim page.

use crate::auth::Locale;

catalogue!(
    /// The supplier company page and the claim page.
    CompanyMsgs {
        /// Claim page heading.
        claim_title,
        /// The claim link is unknown, used or expired.
        claim_invalid,
        /// Claim button.
        create_account,
        /// Name label.
        your_name,
        /// Company page heading.
        company,
        /// Users section heading.
        users,
        /// Name column.
        name,
        /// Email column.
        email,
        /// Role column.
        role,
        /// Status column.
        status,
        /// Supplier admin.
        admin,
        /// Colleague (not admin).
        colleague,
        /// Active account.
        active,
        /// Invitation pending.
        invited,
        /// Disabled account.
        disabled,
        /// Invite section heading.
        invite_colleague,
        /// Invite hint.
        invite_hint,
        /// Make admin checkbox.
        make_admin,
        /// Invite button.
        send_invitation,
        /// Invitation sent notice.
        invitation_sent,
        /// Only admins invite.
        only_admins_invite,
        /// Webhook section heading.
        webhook,
        /// Webhook URL label.
        webhook_url,
        /// No webhook.
        no_webhook,
        /// Webhook secret label.
        webhook_secret,
        /// Reveal button.
        reveal_secret,
        /// Secret hint.
        secret_hint,
        /// Contact section heading.
        contact,
        /// Contact email label.
        contact_email,
        /// Language label.
        language,
        /// Country label.
        country,
        /// Default currency label.
        default_currency,
        /// Korean.
        korean,
        /// English.
        english,
    }
);

pub static KO: CompanyMsgs = CompanyMsgs {
    locale: Locale::Ko,
    claim_title: "공급사 계정 만들기",
    claim_invalid: "계정 만들기 링크가 올바르지 않거나 이미 사용되었거나 만료되었습니다. 조합 담당자에게 새 초대를 요청하세요.",
    create_account: "계정 만들기",
    your_name: "이름",
    company: "회사 정보",
    users: "사용자",
    name: "이름",
    email: "이메일",
    role: "권한",
    status: "상태",
    admin: "관리자",
    colleague: "일반 사용자",
    active: "사용 중",
    invited: "초대 수락 대기",
    disabled: "사용 중지",
    invite_colleague: "동료 초대",
    invite_hint: "초대 메일의 링크에서 동료가 직접 비밀번호를 정합니다.",
    make_admin: "관리자 권한 주기",
    send_invitation: "초대 메일 보내기",
    invitation_sent: "초대 메일을 보냈습니다.",
    only_admins_invite: "동료 초대는 회사 관리자만 할 수 있습니다.",
    webhook: "웹훅",
    webhook_url: "웹훅 주소",
    no_webhook: "웹훅이 설정되지 않았습니다.",
    webhook_secret: "웹훅 서명 비밀값",
    reveal_secret: "비밀값 보기",
    secret_hint: "웹훅 요청의 서명을 확인할 때 씁니다. 다른 사람에게 보이지 않게 하세요.",
    contact: "연락처와 언어",
    contact_email: "대표 이메일",
    language: "언어",
    country: "국가",
    default_currency: "기본 통화",
    korean: "한국어",
    english: "영어",
};

pub static EN: CompanyMsgs = CompanyMsgs {
    locale: Locale::En,
    claim_title: "Create your supplier account",
    claim_invalid: "This account link is unknown, already used or expired. Ask the cooperative for a new invitation.",
    create_account: "Create account",
    your_name: "Your name",
    company: "Company",
    users: "Users",
    name: "Name",
    email: "Email",
    role: "Role",
    status: "Status",
    admin: "Admin",
    colleague: "Colleague",
    active: "Active",
    invited: "Invitation pending",
    disabled: "Disabled",
    invite_colleague: "Invite a colleague",
    invite_hint: "Your colleague sets a password from the link in the invitation email.",
    make_admin: "Make an admin",
    send_invitation: "Send invitation",
    invitation_sent: "Invitation sent.",
    only_admins_invite: "Only your company's admins can invite colleagues.",
    webhook: "Webhook",
    webhook_url: "Webhook URL",
    no_webhook: "No webhook is set up.",
    webhook_secret: "Webhook signing secret",
    reveal_secret: "Show secret",
    secret_hint: "Use it to verify the signature of webhook requests. Keep it private.",
    contact: "Contact and language",
    contact_email: "Contact email",
    language: "Language",
    country: "Country",
    default_currency: "Default currency",
    korean: "Korean",
    english: "English",
};

/// The catalogue of `locale`.
pub fn msgs(locale: Locale) -> &'static CompanyMsgs {
    match locale {
        Locale::Ko => &KO,
        Locale::En => &EN,
    }
}

impl CompanyMsgs {
    /// The claim page's introduction.
    pub fn claim_intro(&self, email: &str, supplier: &str) -> String {
        match self.locale {
            Locale::Ko => format!("{supplier}의 coprocure 계정을 {email} 주소로 만듭니다. 비밀번호를 정하면 곧바로 견적 요청으로 이동합니다."),
            Locale::En => format!("Create the coprocure account of {supplier} for {email}. Once you set a password, you go straight to the RFQ."),
        }
    }
}
