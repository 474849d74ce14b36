//! Words of a member's pages: home, rounds, demand entry.

use crate::auth::Locale;

catalogue!(
    /// A member's pages.
    DemandMsgs {
        /// Home: open rounds heading.
        open_rounds,
        /// Home: no open round.
        no_open_rounds,
        /// Home: recent allocations heading.
        recent_allocations,
        /// Home: no allocation yet.
        no_allocations,
        /// Round list heading.
        my_rounds,
        /// No round at all.
        no_rounds,
        /// Round page: entry section heading.
        enter_demand,
        /// Round page: explanation of the entry forms.
        enter_demand_hint,
        /// Own lines heading.
        my_lines,
        /// No own line yet.
        no_lines,
        /// The round no longer takes demand.
        locked,
        /// Add button.
        add_line,
        /// Edit link.
        edit,
        /// Delete button.
        delete,
        /// Save button.
        save,
        /// Back to the round.
        back_to_round,
        /// Edit page heading.
        edit_line,
        /// Quantity label.
        quantity,
        /// Unit label.
        unit,
        /// Required-by label.
        required_by,
        /// Delivery site label.
        delivery_site,
        /// Converted quantity label.
        base_quantity,
        /// Material label.
        material,
        /// Base unit label.
        base_unit,
        /// Quantity hint: separators accepted.
        quantity_hint,
        /// Purchase order label.
        purchase_order,
        /// Supplier label.
        supplier,
        /// My quantity label.
        my_quantity,
        /// My cost share label.
        my_cost,
        /// Lines entered label.
        lines_entered,
        /// Round label.
        round,
        /// Status label.
        status,
        /// Closes label.
        closes_at,
        /// Time left label.
        time_left,
        /// Actions column.
        actions,
        /// All rounds link.
        all_rounds,
        /// Line saved notice.
        saved,
    }
);

pub static KO: DemandMsgs = DemandMsgs {
    locale: Locale::Ko,
    open_rounds: "접수 중인 수요조사",
    no_open_rounds: "지금 접수 중인 수요조사가 없습니다.",
    recent_allocations: "최근 배정",
    no_allocations: "아직 배정된 물량이 없습니다.",
    my_rounds: "수요조사",
    no_rounds: "수요조사가 없습니다.",
    enter_demand: "수요 입력",
    enter_demand_hint: "품목마다 수량, 단위, 필요일, 납품 장소를 입력하고 추가를 누르세요. 마감 전까지 고치거나 지울 수 있습니다.",
    my_lines: "입력한 수요",
    no_lines: "아직 입력한 수요가 없습니다.",
    locked: "마감된 수요조사입니다. 입력한 수요는 더 이상 바꿀 수 없습니다.",
    add_line: "추가",
    edit: "수정",
    delete: "삭제",
    save: "저장",
    back_to_round: "수요조사로 돌아가기",
    edit_line: "수요 수정",
    quantity: "수량",
    unit: "단위",
    required_by: "필요일",
    delivery_site: "납품 장소",
    base_quantity: "기준 단위 환산",
    material: "품목",
    base_unit: "기준 단위",
    quantity_hint: "쉼표를 넣어도 됩니다 (예: 1,250.5).",
    purchase_order: "발주서",
    supplier: "공급사",
    my_quantity: "우리 물량",
    my_cost: "우리 분담액",
    lines_entered: "입력",
    round: "수요조사",
    status: "상태",
    closes_at: "마감",
    time_left: "남은 시간",
    actions: "작업",
    all_rounds: "모든 수요조사",
    saved: "저장했습니다.",
};

pub static EN: DemandMsgs = DemandMsgs {
    locale: Locale::En,
    open_rounds: "Open demand rounds",
    no_open_rounds: "No demand round is open now.",
    recent_allocations: "Recent allocations",
    no_allocations: "Nothing has been allocated to you yet.",
    my_rounds: "Demand rounds",
    no_rounds: "There are no demand rounds.",
    enter_demand: "Enter demand",
    enter_demand_hint: "For each material, enter the quantity, unit, required-by date and delivery site, then press Add. You can edit or delete lines until the round closes.",
    my_lines: "Your demand lines",
    no_lines: "You have not entered any demand yet.",
    locked: "This round is closed. Your demand lines can no longer be changed.",
    add_line: "Add",
    edit: "Edit",
    delete: "Delete",
    save: "Save",
    back_to_round: "Back to the round",
    edit_line: "Edit demand line",
    quantity: "Quantity",
    unit: "Unit",
    required_by: "Required by",
    delivery_site: "Delivery site",
    base_quantity: "In base unit",
    material: "Material",
    base_unit: "Base unit",
    quantity_hint: "Thousands separators are fine (e.g. 1,250.5).",
    purchase_order: "Purchase order",
    supplier: "Supplier",
    my_quantity: "Your quantity",
    my_cost: "Your cost share",
    lines_entered: "Entered",
    round: "Round",
    status: "Status",
    closes_at: "Closes",
    time_left: "Time left",
    actions: "Actions",
    all_rounds: "All demand rounds",
    saved: "Saved.",
};

/// The catalogue of `locale`.
pub fn msgs(locale: Locale) -> &'static DemandMsgs {
    match locale {
        Locale::Ko => &KO,
        Locale::En => &EN,
    }
}

impl DemandMsgs {
    /// "You entered N lines".
    pub fn you_entered(&self, n: &usize) -> String {
        let n = *n;
        match self.locale {
            Locale::Ko => format!("{n}건 입력함"),
            Locale::En if n == 1 => "You entered 1 line".to_owned(),
            Locale::En => format!("You entered {n} lines"),
        }
    }

    /// The delete button's accessible name.
    pub fn delete_line(&self, material: &str) -> String {
        match self.locale {
            Locale::Ko => format!("{material} 수요 삭제"),
            Locale::En => format!("Delete the {material} line"),
        }
    }

    /// The edit link's accessible name.
    pub fn edit_line_of(&self, material: &str) -> String {
        match self.locale {
            Locale::Ko => format!("{material} 수요 수정"),
            Locale::En => format!("Edit the {material} line"),
        }
    }

    /// An invalid number or date typed into a field.
    pub fn not_a_number(&self) -> &'static str {
        match self.locale {
            Locale::Ko => "숫자로 입력하세요 (예: 1,250.5).",
            Locale::En => "Enter a number (e.g. 1,250.5).",
        }
    }

    /// An invalid date.
    pub fn not_a_date(&self) -> &'static str {
        match self.locale {
            Locale::Ko => "날짜를 입력하세요.",
            Locale::En => "Enter a date.",
        }
    }

    /// A field error code of the demand services, localized (others: the shared words).
    pub fn field_error(&self, code: &str) -> Option<&'static str> {
        Some(match (self.locale, code) {
            (Locale::Ko, "not_positive") => "0보다 커야 합니다.",
            (Locale::En, "not_positive") => "Must be greater than 0.",
            (Locale::Ko, "too_precise") => "소수 자릿수가 너무 많습니다.",
            (Locale::En, "too_precise") => "Too many decimal places.",
            (Locale::Ko, "too_large") => "너무 큰 수량입니다.",
            (Locale::En, "too_large") => "The quantity is too large.",
            (Locale::Ko, "incompatible_unit" | "inexact_conversion" | "unknown_unit") => {
                "이 품목의 기준 단위로 바꿀 수 없는 단위입니다."
            }
            (Locale::En, "incompatible_unit" | "inexact_conversion" | "unknown_unit") => {
                "This unit cannot be converted to the material's base unit."
            }
            (Locale::Ko, "too_early") => "수요조사 마감일보다 뒤여야 합니다.",
            (Locale::En, "too_early") => "Must be after the round's closing date.",
            _ => return None,
        })
    }
}
