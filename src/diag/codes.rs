//! The registry of diagnostic codes: every code mosaic can report, with its explanation.
//!
//! Codes are stable: once released, a code keeps its meaning. `E` codes are errors, `W` codes
//! warnings. E00xx: reading and decoding policy files; E01xx: policy rules; E02xx: expressions.

macro_rules! codes {
    ($($variant:ident = $code:literal, $title:literal, $explanation:literal;)*) => {
        /// A stable diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $(#[doc = $title] $variant,)*
        }

        impl Code {
            /// Every code, in registry order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as printed, e.g. `E0204`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// One line saying what the code is about.
            pub fn title(self) -> &'static str {
                match self { $(Code::$variant => $title,)* }
            }

            /// A longer explanation with an example and the fix, for `mosaic explain-code`.
            pub fn explanation(self) -> &'static str {
                match self { $(Code::$variant => $explanation,)* }
            }

            /// Looks a code up by its printed form (case-insensitive).
            pub fn parse(s: &str) -> Option<Code> {
                Code::ALL.iter().copied().find(|c| c.as_str().eq_ignore_ascii_case(s.trim()))
            }

            pub fn severity(self) -> super::Severity {
                if self.as_str().starts_with('W') { super::Severity::Warning } else { super::Severity::Error }
            }
        }

        impl std::fmt::Display for Code {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

codes! {
    YamlSyntax = "E0001", "yaml syntax error",
        "The file is not valid YAML (or JSON). The position points at where the YAML parser gave up.\nFix the indentation, quoting or bracket that the message names.";
    Io = "E0002", "cannot read a file or folder",
        "A policy file, the project folder or `mosaic.yaml` could not be read. Check that the path exists and is readable.";
    MissingKind = "E0003", "document has no `kind`",
        "Every YAML document in a policy file needs a `kind:` field: one of Project, IdentitySettings, Dataset,\nMergePolicy, ComputedAttribute, Audience.";
    UnknownKind = "E0004", "unknown `kind`",
        "The `kind:` of a document is not one mosaic knows. Valid kinds: Project, IdentitySettings, Dataset,\nMergePolicy, ComputedAttribute, Audience.";
    UnknownField = "E0005", "unknown field in a policy document",
        "A field of a policy document is not part of its kind. Misspelt fields are reported rather than ignored, so\nthat a typo never silently changes behaviour. AEP payload fields that do not apply (imsOrgId, sandbox, id …)\nare accepted with warning W0001 instead.";
    WrongType = "E0006", "a field has the wrong type",
        "A policy field has a value of the wrong type, e.g. a list where a string is expected, or `graphLimit: fifty`.";
    MissingField = "E0007", "a required field is missing",
        "A policy document lacks a field its kind requires, e.g. a Dataset without `name` or `class`.";
    InvalidValue = "E0008", "a field has a value that is not allowed",
        "A field has the right type but a value outside the allowed set, e.g. `class: events` (expected `profile` or\n`event`) or a strategy name that does not exist.";
    DuplicateName = "E0009", "two documents of one kind have the same name",
        "Names are unique per kind within a project: two datasets, merge policies, computed attributes or audiences\nmay not share a name. (A project document with the name of a built-in one replaces the built-in one.)";
    MissingProject = "E0010", "no Project document",
        "A project folder needs a `mosaic.yaml` holding a `kind: Project` document.";
    DuplicateSingleton = "E0011", "a kind that may appear once appears twice",
        "A project has at most one Project and at most one IdentitySettings document.";
    DuplicateKey = "E0012", "a mapping has the same key twice",
        "YAML mappings must not repeat a key; the second value would silently win.";
    BadTestCase = "E0013", "rule test case is not valid",
        "A `tests/<case>.yaml` file for `mosaic test` is a mapping with `name`, `description`, `asOf` (RFC 3339),\noptional `policy` (a merge policy of the project), `records` (dataset name → list of records, each a\nmapping) and `identities` (a list of NAMESPACE:VALUE of the project's namespaces). Any other key is\nrefused, so that a misspelt key never silently leaves a case without its records or identities.";
    SecondDefaultPolicy = "E0101", "more than one default merge policy",
        "Exactly one merge policy may have `default: true`. Remove `default: true` from all but one.";
    PrecedenceWithoutOrder = "E0102", "`dataSetPrecedence` without `order`",
        "A merge policy (or a field strategy) of type `dataSetPrecedence` must list the datasets in `order`,\nhighest priority first.";
    UnknownDataset = "E0103", "a policy names a dataset that does not exist",
        "An `order` list (or another reference) names a dataset that no `kind: Dataset` document defines.";
    PathOutsideProject = "E0104", "a dataset path leaves the project folder",
        "A dataset's `path` must be a folder inside the project: no absolute paths and no `..` that climbs out.";
    AttributeName = "E0105", "a computed attribute name is not alphanumeric",
        "Computed attribute names may contain only letters and digits (as in AEP), e.g. `totalSpend30d`.";
    AttributeRefersToAttribute = "E0106", "a computed attribute refers to another computed attribute",
        "Computed attributes are evaluated together from events; one may not read another's value. Audiences may\nread computed attributes.";
    UnknownNamespace = "E0107", "unknown identity namespace",
        "An identity field names a namespace that is neither standard nor defined in IdentitySettings.";
    BadTimezone = "E0108", "unknown time zone",
        "`timezone` must be an IANA time zone name such as `UTC` or `Europe/Stockholm`.";
    BadPattern = "E0109", "invalid regular expression",
        "A namespace `pattern` (or a regex literal) is not a valid regular expression.";
    UpsertOnEvents = "E0110", "upsert on an event dataset",
        "Only profile (record) datasets can be `upsert: true`; events are never patched.";
    SecondActiveOnEdge = "E0111", "more than one merge policy is active on edge",
        "At most one merge policy may set `isActiveOnEdge: true`.";
    BadDuration = "E0112", "invalid lookback duration",
        "`duration` needs a positive `count` and a `unit` among MINUTES, HOURS, DAYS, WEEKS, MONTHS.";
    SyntaxError = "E0201", "expression syntax error",
        "The PQL expression does not parse. The position points at the first token that could not be read, and\nthe message lists what was expected there.";
    BadLiteral = "E0202", "invalid literal",
        "A literal is malformed: an integer out of range, an unknown escape in a string, an invalid date or\ntimestamp in `date(…)` / `timestamp(…)`.";
    UnknownFunction = "E0203", "unknown function or method",
        "The expression calls a function or method PQL does not have here. Check the spelling; the message\nsuggests the closest name.";
    UnknownPath = "E0204", "unknown field",
        "A path names a field that no dataset schema declares and that does not occur in the data sampled for\ninference. Check the spelling, or declare it in the dataset's `schema`.";
    ArgumentCount = "E0205", "wrong number of arguments",
        "A function or method got more or fewer arguments than it takes.";
    TypeMismatch = "E0206", "type mismatch",
        "An operator or function got a value of a type it does not take, e.g. `\"a\" + 1` or `name.sum(x)` on a\nstring.";
    UpOutsideScope = "E0207", "`^` outside a nested scope",
        "`^` climbs one level out of a filter or quantifier; at the top level there is nothing to climb to.";
    AttributeShape = "E0208", "expression is not a computed-attribute shape",
        "A computed attribute's expression must have one of the shapes that give its aggregation:\n  xEvent[F].sum(E)                          SUM\n  xEvent[F].count()                         COUNT\n  xEvent[F].min(E) / .max(E)                MIN / MAX\n  xEvent[F].average(E)                      AVG\n  xEvent[F].topN(timestamp, 1).map(E).head()    MOST_RECENT\n  xEvent[F].bottomN(timestamp, 1).map(E).head() FIRST\n  xEvent[F].topN(timestamp, N).map(E)       LIST\n  xEvent[F].map(E).distinct().count()       COUNT_DISTINCT\nThe filter `[F]` is optional.";
    NotBoolean = "E0209", "expression must be boolean",
        "Audience expressions, filters `[…]` and quantifier conditions must be boolean.";
    EventsMisplaced = "E0210", "`xEvent` used where events are not available",
        "`xEvent` is the profile's events: it can be used at the top of an audience or a computed attribute, not\ninside a filter over events (events have no events).";
    UnknownUnit = "E0211", "unknown time unit",
        "Time units are millisecond(s), second(s), minute(s), hour(s), day(s), week(s), month(s), year(s).";
    BadRegex = "E0212", "invalid regular expression in an expression",
        "The pattern given to `matches` or `regexGroup` is not a valid regular expression.";
    UnknownVariable = "E0213", "unknown variable",
        "A quantifier variable (`exists X from …`) is used outside its `where` clause, or was never bound.";
    IgnoredField = "W0001", "AEP field accepted and ignored",
        "The field is part of the AEP API payload (imsOrgId, sandbox, id, …) but means nothing in a file-based\nproject. It is accepted so that AEP payloads load as they are, and ignored.";
    UnusedDataset = "W0002", "dataset is not used",
        "No merge policy, computed attribute or audience can ever read this dataset: a profile dataset excluded\nby every merge policy, or an event dataset no rule reads.";
    WindowLongerThanDuration = "W0003", "expression window longer than `duration`",
        "An `occurs` window inside a computed attribute's filter reaches further back than its lookback\n`duration`; events outside the duration are never seen, so the longer window has no effect.";
    MissingDataFolder = "W0004", "dataset folder does not exist",
        "A dataset's `path` does not exist yet. The dataset is treated as empty until batch files appear there.";
    UninferredPath = "W0005", "field type could not be inferred",
        "A path used by a rule has no declared type and no value in the sampled data, so its type is unknown.\nDeclare it in the dataset's `schema` to get type checking.";
    StrategyType = "W0006", "field strategy does not fit the field's type",
        "A merge policy's field rule gives a field a strategy its values do not suit. `union` merges values into\nan array: on a field that holds one string, number or date, the merged array is what profiles show, and\nrules that read the field as that type see null. `sum`, `min` and `max` take numbers only: on a field\nwithout numbers they keep the most recent value. Declare the field as an array (for `union`), or pick\nanother strategy.";
    NestedDataFolder = "W0007", "folder inside a dataset folder is not read",
        "Each batch is a file directly in the dataset's folder. Files in folders inside it (a partitioned layout\nsuch as `data/web/2026-10/part-1.jsonl`) are not read: move them up into the dataset's folder, or make\neach such folder a dataset of its own.";
}
