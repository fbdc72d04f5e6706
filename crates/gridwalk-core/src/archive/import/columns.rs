//! Which column of a roster holds what, by the names offices give them.

/// The columns an import understands; the rest are ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Column {
    Grid,
    Estate,
    Building,
    Unit,
    Room,
    /// A whole 户号, `3-2-501`.
    Door,
    Name,
    Relation,
    Phone,
    IdNumber,
    BirthYear,
    Tags,
    MemberNotes,
    HouseholdNotes,
}

impl Column {
    /// What a person calls the column, for messages.
    pub fn label(self) -> &'static str {
        match self {
            Self::Grid => "网格",
            Self::Estate => "小区",
            Self::Building => "楼栋",
            Self::Unit => "单元",
            Self::Room => "房号",
            Self::Door => "户号",
            Self::Name => "姓名",
            Self::Relation => "与户主关系",
            Self::Phone => "联系电话",
            Self::IdNumber => "身份证号",
            Self::BirthYear => "出生年份",
            Self::Tags => "关怀标签",
            Self::MemberNotes => "成员备注",
            Self::HouseholdNotes => "户备注",
        }
    }

    /// The columns that describe the household, not the member: a member
    /// row whose address cells are blank (merged in the original) takes
    /// them from the row above.
    pub const HOUSEHOLD: [Column; 8] = [
        Column::Grid,
        Column::Estate,
        Column::Building,
        Column::Unit,
        Column::Room,
        Column::Door,
        Column::Tags,
        Column::HouseholdNotes,
    ];

    pub const ADDRESS: [Column; 5] = [
        Column::Estate,
        Column::Building,
        Column::Unit,
        Column::Room,
        Column::Door,
    ];

    /// The column a header names, ignoring spaces, `*` marks of required
    /// fields and bracketed hints like “（必填）”.
    pub fn from_header(header: &str) -> Option<Self> {
        let mut h: String = header
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '*' | '＊' | ':' | '：'))
            .collect();
        for open in ['(', '（', '['] {
            if let Some(i) = h.find(open) {
                h.truncate(i);
            }
        }
        let c = match h.as_str() {
            "网格" | "所属网格" | "网格名称" | "网格编号" => Self::Grid,
            "小区" | "小区名称" | "小区名" | "所在小区" | "居民小区" => {
                Self::Estate
            }
            "楼栋" | "楼号" | "栋" | "幢" | "楼" | "楼栋号" => Self::Building,
            "单元" | "单元号" => Self::Unit,
            "房号" | "室" | "门牌号" | "房间号" | "室号" => Self::Room,
            "户号" | "门牌" | "住址" | "地址" | "楼栋-单元-房号" => Self::Door,
            "姓名" | "成员姓名" | "户主姓名" | "户主" | "居民姓名" => Self::Name,
            "与户主关系" | "关系" | "家庭关系" | "与户主的关系" => Self::Relation,
            "电话" | "联系电话" | "手机" | "手机号" | "手机号码" | "联系方式" => {
                Self::Phone
            }
            "身份证号" | "身份证号码" | "证件号码" | "公民身份号码" | "身份证" => {
                Self::IdNumber
            }
            "出生年份" | "出生年" | "出生日期" | "出生年月" => Self::BirthYear,
            "关怀标签" | "标签" | "人员类别" | "特殊人群" | "重点人群" => {
                Self::Tags
            }
            "成员备注" | "备注" | "个人备注" => Self::MemberNotes,
            "户备注" | "家庭备注" | "户情况" => Self::HouseholdNotes,
            _ => return None,
        };
        Some(c)
    }
}

/// The relation code a roster's wording means, if it is one of the usual
/// words (the vocabulary's own names are tried first by the caller).
pub fn relation_code(word: &str) -> Option<&'static str> {
    Some(match word.trim() {
        "户主" | "本人" | "户主本人" => "head",
        "配偶" | "妻" | "妻子" | "夫" | "丈夫" | "爱人" => "spouse",
        "子" | "女" | "儿子" | "女儿" | "子女" | "长子" | "长女" | "次子" | "次女" => {
            "child"
        }
        "父" | "母" | "父亲" | "母亲" | "父母" | "岳父" | "岳母" | "公公" | "婆婆" => {
            "parent"
        }
        "孙子" | "孙女" | "外孙" | "外孙女" | "孙辈" => "grandchild",
        "兄" | "弟" | "姐" | "妹" | "兄弟姐妹" | "哥哥" | "弟弟" | "姐姐" | "妹妹" => {
            "sibling"
        }
        "租户" | "租客" | "房客" => "tenant",
        "其他" | "其它" | "亲属" | "保姆" => "other",
        _ => return None,
    })
}

/// The separate tags in a cell: `独居老人、低保` or `独居老人,低保`.
pub fn split_tags(cell: &str) -> impl Iterator<Item = &str> {
    cell.split(['、', ',', '，', '/', ';', '；', '|', ' '])
        .map(str::trim)
        .filter(|t| !t.is_empty())
}
