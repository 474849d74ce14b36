//! Words of a supplier's RFQ and quote pages: the inbox, the quote form, the receipt, the
//! withdrawal and the award result (`web::pages::quotes`).

use std::borrow::Borrow;

use crate::auth::Locale;

catalogue!(
    /// The supplier's RFQ and quote pages in one language.
    QuoteMsgs {
    inbox_title,
    inbox_intro,
    buyer,
    deadline_korea,
    deadline_local,
    my_quote_none,
    my_quote_withdrawn,
    needs_quote,
    nothing_needs_quote,
    quoted_open,
    specification,
    delivery_place,
    quote_form_title,
    revise_title,
    sealed_promise,
    terms_heading,
    named_place_hint,
    valid_until,
    valid_until_hint,
    lead_time,
    lead_time_hint,
    payment_terms,
    notes,
    prices_heading,
    prices_hint,
    numbers_hint,
    unit_price,
    freight_per_unit,
    insurance_per_unit,
    min_quantity,
    max_quantity,
    max_hint,
    price_breaks,
    price_breaks_hint,
    break_from,
    break_price,
    add_break,
    remove_break,
    submit_quote,
    submit_revision,
    receipt_title,
    receipt_intro,
    server_time,
    nonce,
    recompute_heading,
    recompute_intro,
    recompute_steps,
    canonical_document,
    history,
    current,
    revise,
    withdraw,
    withdraw_title,
    withdraw_body,
    withdraw_confirm,
    go_back,
    withdrawn_notice,
    view_receipt,
    back_to_rfq,
    quote_closed,
    not_quoted_line,
    awaiting_award,
    no_quote_closed,
    result_title,
    result_won,
    result_lost,
    rank,
    landed_unit,
    unranked,
    view_po,
    err_number,
    err_whole_number,
    err_date,
    err_not_positive,
    err_negative,
    err_too_precise,
    err_out_of_range,
    err_before_deadline,
    err_min_above_max,
    err_not_increasing,
    err_not_a_discount,
    err_not_allowed,
    err_no_lines,
    err_break_incomplete,
    err_too_many,
    }
);

/// Korean.
pub static KO: QuoteMsgs = QuoteMsgs {
    locale: Locale::Ko,
    inbox_title: "견적요청함",
    inbox_intro: "귀사를 초대한 견적요청입니다. 마감 시각은 한국 시간이며, 현지 시간이 다르면 함께 표시합니다.",
    buyer: "발주 조합",
    deadline_korea: "마감 (한국 시간)",
    deadline_local: "현지 시간",
    my_quote_none: "미제출",
    my_quote_withdrawn: "철회함",
    needs_quote: "견적을 기다리는 요청",
    nothing_needs_quote: "견적을 기다리는 요청이 없습니다.",
    quoted_open: "제출한 견적 (마감 전)",
    specification: "규격",
    delivery_place: "인도 장소",
    quote_form_title: "견적 제출",
    revise_title: "견적 수정",
    sealed_promise: "마감 시각 전에는 구매 조합이 귀사의 가격을 볼 수 없습니다. 조합에는 제출 여부만 표시됩니다.",
    terms_heading: "거래 조건",
    named_place_hint: "인코텀즈의 지정 장소 (예: 부산항)",
    valid_until: "견적 유효기한",
    valid_until_hint: "견적 마감일 이후 날짜여야 합니다.",
    lead_time: "납품 소요일",
    lead_time_hint: "발주 후 납품까지 걸리는 일수 (0–365)",
    payment_terms: "결제 조건",
    notes: "비고",
    prices_heading: "품목별 가격",
    prices_hint: "견적하지 않을 품목은 단가를 비워 두십시오. 가격은 모두 아래 단위 1개당 금액입니다.",
    numbers_hint: "숫자에는 9,420.50 처럼 천 단위 쉼표를 써도 됩니다.",
    unit_price: "단가",
    freight_per_unit: "운임 (단위당)",
    insurance_per_unit: "보험료 (단위당)",
    min_quantity: "최소 수량",
    max_quantity: "최대 수량",
    max_hint: "비우면 제한 없음",
    price_breaks: "수량별 할인 단가",
    price_breaks_hint: "주문 수량이 기준 수량 이상이면 모든 수량에 그 단가를 적용합니다. 쓰지 않는 행은 비워 두십시오.",
    break_from: "기준 수량",
    break_price: "할인 단가",
    add_break: "할인 단가 행 추가",
    remove_break: "행 삭제",
    submit_quote: "견적 제출",
    submit_revision: "수정본 제출",
    receipt_title: "견적 접수증",
    receipt_intro: "견적이 접수되었습니다. 이 접수증을 인쇄하거나 보관하십시오.",
    server_time: "접수 시각 (서버 기준)",
    nonce: "비밀 난수",
    recompute_heading: "다이제스트를 직접 확인하는 방법",
    recompute_intro: "다이제스트는 이 차수의 정규화 문서를 UTF-8 바이트로 SHA-256 해시한 값을 소문자 16진수로 쓰고 앞에 sha256: 을 붙인 것입니다.",
    recompute_steps: "정규화 문서는 비밀 난수, 견적 내용, 차수, 견적요청 번호, 접수 시각, 공급사 번호를 담은 JSON 객체로, 모든 단계에서 키를 바이트 순으로 정렬하고 공백 없이 씁니다. 금액과 수량은 뒤쪽 0을 뺀 문자열입니다. 아래 문서를 파일로 저장한 뒤 sha256sum 으로 계산하면 위 다이제스트와 같아야 합니다. 비밀 난수는 마감 전까지 귀사만 볼 수 있습니다.",
    canonical_document: "정규화 문서",
    history: "제출 이력",
    current: "현재",
    revise: "견적 수정",
    withdraw: "견적 철회",
    withdraw_title: "견적을 철회하시겠습니까?",
    withdraw_body: "철회한 견적은 다시 수정하거나 제출할 수 없으며, 마감 후 비교에서 빠집니다. 제출 이력과 접수증은 남습니다.",
    withdraw_confirm: "철회합니다",
    go_back: "돌아가기",
    withdrawn_notice: "견적을 철회했습니다.",
    view_receipt: "접수증 보기",
    back_to_rfq: "견적요청으로 돌아가기",
    quote_closed: "견적 마감 시각이 지나 더 이상 제출하거나 바꿀 수 없습니다.",
    not_quoted_line: "견적하지 않음",
    awaiting_award: "견적이 마감되었습니다. 구매 조합의 낙찰 결정을 기다리고 있습니다.",
    no_quote_closed: "마감 전에 견적을 제출하지 않았습니다.",
    result_title: "낙찰 결과",
    result_won: "귀사가 낙찰되었습니다. 발주서를 확인하십시오.",
    result_lost: "이번 견적요청에서는 귀사가 낙찰되지 않았습니다. 귀사 견적의 순위와 도착 원가만 보여 드립니다.",
    rank: "순위",
    landed_unit: "단위당 도착 원가",
    unranked: "순위 없음",
    view_po: "발주서 보기",
    err_number: "숫자로 입력하십시오 (예: 9,420.50).",
    err_whole_number: "정수로 입력하십시오.",
    err_date: "날짜를 입력하십시오.",
    err_not_positive: "0보다 커야 합니다.",
    err_negative: "0 이상이어야 합니다.",
    err_too_precise: "소수 자릿수가 너무 많습니다.",
    err_out_of_range: "허용 범위를 벗어났습니다.",
    err_before_deadline: "견적 마감일보다 앞설 수 없습니다.",
    err_min_above_max: "최대 수량보다 클 수 없습니다.",
    err_not_increasing: "앞 행의 기준 수량보다 커야 합니다.",
    err_not_a_discount: "단가나 앞 행의 할인 단가보다 높을 수 없습니다.",
    err_not_allowed: "허용된 값 중에서 고르십시오.",
    err_no_lines: "품목을 하나 이상 견적하십시오.",
    err_break_incomplete: "기준 수량과 할인 단가를 함께 입력하십시오.",
    err_too_many: "행이 너무 많습니다.",
};

/// English.
pub static EN: QuoteMsgs = QuoteMsgs {
    locale: Locale::En,
    inbox_title: "RFQ inbox",
    inbox_intro: "Requests for quotation your company is invited to. Deadlines are in Korea time, with your local time beside them where it differs.",
    buyer: "Buyer",
    deadline_korea: "Deadline (Korea time)",
    deadline_local: "Your time",
    my_quote_none: "None",
    my_quote_withdrawn: "Withdrawn",
    needs_quote: "RFQs awaiting your quote",
    nothing_needs_quote: "No RFQ awaits your quote.",
    quoted_open: "Quoted, still open",
    specification: "Specification",
    delivery_place: "Delivery place",
    quote_form_title: "Submit your quote",
    revise_title: "Revise your quote",
    sealed_promise: "The buyer cannot see your prices until the deadline; it sees only that a quote was submitted.",
    terms_heading: "Terms",
    named_place_hint: "The Incoterm's named place (e.g. Busan port)",
    valid_until: "Valid until",
    valid_until_hint: "On or after the deadline's date.",
    lead_time: "Lead time (days)",
    lead_time_hint: "Days from the order to delivery (0–365)",
    payment_terms: "Payment terms",
    notes: "Notes",
    prices_heading: "Prices per line",
    prices_hint: "Leave the unit price empty for a line you do not quote. Every price is per one unit as shown.",
    numbers_hint: "Numbers may use thousands separators, as in 9,420.50.",
    unit_price: "Unit price",
    freight_per_unit: "Freight per unit",
    insurance_per_unit: "Insurance per unit",
    min_quantity: "Minimum quantity",
    max_quantity: "Maximum quantity",
    max_hint: "Empty: no limit",
    price_breaks: "Price breaks",
    price_breaks_hint: "From the quantity on, the price applies to every unit ordered. Leave unused rows empty.",
    break_from: "From quantity",
    break_price: "Price",
    add_break: "Add a price break",
    remove_break: "Remove row",
    submit_quote: "Submit quote",
    submit_revision: "Submit revision",
    receipt_title: "Quote receipt",
    receipt_intro: "Your quote was received. Print or keep this receipt.",
    server_time: "Received at (server time)",
    nonce: "Secret nonce",
    recompute_heading: "How to check the digest yourself",
    recompute_intro: "The digest is sha256: followed by the lower-case hex SHA-256 of this revision's canonical document, as UTF-8 bytes.",
    recompute_steps: "The canonical document is a JSON object holding the secret nonce, the quote's content, the revision, the RFQ id, the time received and your supplier id, with keys sorted by their bytes at every level and no whitespace; amounts and quantities are strings without trailing zeros. Save the document below to a file and run sha256sum on it: the result must equal the digest above. Until the deadline only you can see the nonce.",
    canonical_document: "Canonical document",
    history: "Revision history",
    current: "current",
    revise: "Revise quote",
    withdraw: "Withdraw quote",
    withdraw_title: "Withdraw your quote?",
    withdraw_body: "A withdrawn quote cannot be revised or submitted again, and it is left out of the comparison after the deadline. Its history and receipts remain.",
    withdraw_confirm: "Yes, withdraw",
    go_back: "Go back",
    withdrawn_notice: "Your quote was withdrawn.",
    view_receipt: "View receipt",
    back_to_rfq: "Back to the RFQ",
    quote_closed: "The deadline has passed: quotes can no longer be submitted or changed.",
    not_quoted_line: "Not quoted",
    awaiting_award: "The RFQ is closed; the buyer has not decided the award yet.",
    no_quote_closed: "You did not submit a quote before the deadline.",
    result_title: "Award result",
    result_won: "You won this RFQ (in part or in full). See your purchase order.",
    result_lost: "Your quote was not selected this time. Only your own rank and landed cost are shown.",
    rank: "Rank",
    landed_unit: "Landed cost per unit",
    unranked: "Not ranked",
    view_po: "View purchase order",
    err_number: "Enter a number, e.g. 9,420.50.",
    err_whole_number: "Enter a whole number.",
    err_date: "Enter a date.",
    err_not_positive: "Must be greater than 0.",
    err_negative: "Must not be negative.",
    err_too_precise: "Too many decimal places.",
    err_out_of_range: "Outside the accepted range.",
    err_before_deadline: "Must not be before the deadline's date.",
    err_min_above_max: "Must not exceed the maximum quantity.",
    err_not_increasing: "Must be greater than the previous row's quantity.",
    err_not_a_discount: "Must not be above the unit price or the previous break.",
    err_not_allowed: "Choose one of the allowed values.",
    err_no_lines: "Quote at least one line.",
    err_break_incomplete: "Enter both the quantity and the price.",
    err_too_many: "Too many rows.",
};

/// The catalogue of a locale.
pub fn msgs(locale: Locale) -> &'static QuoteMsgs {
    match locale {
        Locale::Ko => &KO,
        Locale::En => &EN,
    }
}

impl QuoteMsgs {
    /// "My quote: revision n submitted".
    pub fn revision_submitted(&self, n: impl Borrow<i32>) -> String {
        let n = *n.borrow();
        match self.locale {
            Locale::Ko => format!("{n}차 제출"),
            Locale::En => format!("Revision {n} submitted"),
        }
    }

    /// "Revision n".
    pub fn revision(&self, n: impl Borrow<i32>) -> String {
        let n = *n.borrow();
        match self.locale {
            Locale::Ko => format!("{n}차"),
            Locale::En => format!("Revision {n}"),
        }
    }

    /// A lead time in days.
    pub fn days(&self, n: impl Borrow<i32>) -> String {
        let n = *n.borrow();
        match self.locale {
            Locale::Ko => format!("{n}일"),
            Locale::En if n == 1 => "1 day".to_owned(),
            Locale::En => format!("{n} days"),
        }
    }

    /// "Rank r of n".
    pub fn rank_of(&self, rank: impl Borrow<usize>, of: impl Borrow<usize>) -> String {
        let (rank, of) = (*rank.borrow(), *of.borrow());
        match self.locale {
            Locale::Ko => format!("{of}곳 중 {rank}위"),
            Locale::En => format!("{rank} of {of}"),
        }
    }

    /// Price break row `n` (for screen readers).
    pub fn break_row(&self, n: impl Borrow<usize>) -> String {
        let n = *n.borrow();
        match self.locale {
            Locale::Ko => format!("할인 단가 {n}행"),
            Locale::En => format!("Price break {n}"),
        }
    }

    /// The message of a field error `code` of the quote service.
    pub fn field_error(&self, code: &str) -> Option<&'static str> {
        Some(match code {
            "not_positive" => self.err_not_positive,
            "negative" => self.err_negative,
            "too_precise" => self.err_too_precise,
            "out_of_range" => self.err_out_of_range,
            "before_deadline" => self.err_before_deadline,
            "min_above_max" => self.err_min_above_max,
            "not_increasing" => self.err_not_increasing,
            "not_a_discount" => self.err_not_a_discount,
            "currency_not_allowed" | "incoterm_not_allowed" => self.err_not_allowed,
            "empty" => self.err_no_lines,
            "too_many" => self.err_too_many,
            "invalid_decimal" => self.err_number,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_say_everything_in_their_own_words() {
        let hangul = |s: &str| s.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c));
        for (k, e) in KO.all().into_iter().zip(EN.all()) {
            assert!(hangul(k), "not Korean: {k}");
            assert!(!hangul(e), "not English: {e}");
        }
        assert_eq!(KO.revision_submitted(2), "2차 제출");
        assert_eq!(EN.rank_of(2, 3), "2 of 3");
    }
}
