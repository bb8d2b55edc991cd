//! The full-refresh dimensions: both homologation tables (result code → contactabilidad, PDP,
//! weight) and the agents behind `ejecutivos` (DOMAIN §4, §5, §11).

use super::cells::{optional, text};
use super::profile::SyntheticProfile;
use super::rng::{Rng, Stream};
use crate::source::{Cell, Row};

/// The business outcome a result code stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    NoContact,
    /// Contact with a third party (CI).
    Indirect,
    /// Contact with the debtor (CD), without promise.
    Direct,
    /// A promise to pay: always a direct contact.
    Promise,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::NoContact,
        Outcome::Indirect,
        Outcome::Direct,
        Outcome::Promise,
    ];

    fn level(self) -> &'static str {
        match self {
            Self::NoContact => "NO CONTACTO",
            Self::Indirect => "CONTACTO INDIRECTO",
            Self::Direct | Self::Promise => "CONTACTO DIRECTO",
        }
    }
}

/// A voicebot result code: key (management, sub_management, compromiso), NULL parts included.
pub struct BotCode {
    pub management: &'static str,
    pub sub_management: Option<&'static str>,
    pub compromiso: Option<&'static str>,
    pub outcome: Outcome,
    /// Both "No contacto" and "No Contacto" occur (DOMAIN §11).
    contactabilidad: &'static str,
    pub peso: i64,
}

const fn bot(
    management: &'static str,
    sub_management: Option<&'static str>,
    compromiso: Option<&'static str>,
    outcome: Outcome,
    contactabilidad: &'static str,
    peso: i64,
) -> BotCode {
    BotCode {
        management,
        sub_management,
        compromiso,
        outcome,
        contactabilidad,
        peso,
    }
}

use Outcome::{Direct, Indirect, NoContact, Promise};

const CE: &str = "Contacto Efectivo";
const CNE: &str = "Contacto No Efectivo";

#[rustfmt::skip] // one code per line, like the table it stands for
pub const BOT_CODES: [BotCode; 26] = [
    bot("CONTACTO EFECTIVO", Some("CLIENTE HABLA"), None, Direct, CE, 7),
    bot("CONTACTO EFECTIVO", Some("CLIENTE HABLA"), Some("NO"), Direct, CE, 7),
    bot("CONTACTO EFECTIVO", Some("REAGENDA"), None, Direct, CE, 6),
    bot("CONTACTO EFECTIVO", Some("INFORMACION"), None, Direct, CE, 5),
    bot("CONTACTO EFECTIVO", Some("YA PAGO"), None, Direct, CE, 8),
    bot("CONTACTO EFECTIVO", Some("RECLAMO"), None, Direct, CE, 6),
    bot("CLIENTE HABLA", None, None, Direct, CE, 7),
    bot("CONTACTO EFECTIVO", Some("PDP"), Some("SI"), Promise, CE, 10),
    bot("CONTACTO EFECTIVO", Some("PROMESA DE PAGO"), Some("SI"), Promise, CE, 10),
    bot("CONTACTO EFECTIVO", Some("COMPROMISO DE PAGO"), Some("SI"), Promise, CE, 10),
    bot("PDP", None, Some("SI"), Promise, CE, 9),
    bot("PROMESA DE PAGO", Some("PAGO PARCIAL"), Some("SI"), Promise, CE, 9),
    bot("CONTACTO NO EFECTIVO", Some("CUELGA"), None, Indirect, CNE, 4),
    bot("CONTACTO NO EFECTIVO", Some("TRANSFERENCIA"), None, Indirect, CNE, 4),
    bot("CONTACTO NO EFECTIVO", Some("NO QUIERE HABLAR"), None, Indirect, CNE, 4),
    bot("CONTACTO NO EFECTIVO", Some("TERCERO"), None, Indirect, CNE, 3),
    bot("CONTACTO NO EFECTIVO", Some("FAMILIAR"), Some("NO"), Indirect, CNE, 3),
    bot("CUELGA", None, None, Indirect, CNE, 3),
    bot("NO CONTACTO", Some("NO CONTESTA"), None, NoContact, "No contacto", 2),
    bot("NO CONTACTO", Some("APAGADO"), None, NoContact, "No Contacto", 2),
    bot("NO CONTACTO", Some("BUZON DE VOZ"), None, NoContact, "No contacto", 1),
    bot("NO CONTACTO", Some("FUERA DE SERVICIO"), None, NoContact, "No Contacto", 1),
    bot("NO CONTACTO", Some("NUMERO INCORRECTO"), None, NoContact, "No contacto", 1),
    bot("NO CONTACTO", Some("OCUPADO"), None, NoContact, "No Contacto", 2),
    bot("NO CONTESTA", None, None, NoContact, "No contacto", 2),
    bot("BUZON DE VOZ", None, None, NoContact, "No Contacto", 1),
];

/// Raw voicebot codes absent from the homologation (SIN_CLASIFICAR downstream). Keys compare
/// exactly, so the lower-case spelling and the PDP without "SI" do not match either.
pub const UNMATCHED_BOT_CODES: [(&str, Option<&str>, Option<&str>); 4] = [
    ("NO CONTACTO", Some("LINEA OCUPADA"), None),
    ("contacto efectivo", Some("cliente habla"), None),
    ("SISTEMA", Some("ERROR DE MARCACION"), None),
    ("CONTACTO EFECTIVO", Some("PDP"), Some("NO")),
];

/// A human (mibotair) result code: key (n_1, n_2, n_3).
pub struct AgentCode {
    pub n1: &'static str,
    pub n2: &'static str,
    pub n3: Option<&'static str>,
    pub management: &'static str,
    /// STRING in the source: NULL and "N/A" read as 1 downstream.
    peso: Option<&'static str>,
    contactabilidad: &'static str,
    codigo_rpta: &'static str,
    pdp: &'static str,
    pub outcome: Outcome,
}

impl AgentCode {
    /// The informational source weight of a gestión with this code.
    pub fn weight(&self) -> i64 {
        self.peso.and_then(|p| p.parse().ok()).unwrap_or(1)
    }
}

#[allow(clippy::too_many_arguments)] // one positional row of a static table
const fn agent(
    n1: &'static str,
    n2: &'static str,
    n3: Option<&'static str>,
    management: &'static str,
    peso: Option<&'static str>,
    contactabilidad: &'static str,
    codigo_rpta: &'static str,
    pdp: &'static str,
    outcome: Outcome,
) -> AgentCode {
    AgentCode {
        n1,
        n2,
        n3,
        management,
        peso,
        contactabilidad,
        codigo_rpta,
        pdp,
        outcome,
    }
}

const EF: &str = "Contacto_Efectivo";
const NEF: &str = "Contacto_No_Efectivo";
const NC: &str = "No_Contacto";

#[rustfmt::skip] // one code per line, like the table it stands for
pub const AGENT_CODES: [AgentCode; 22] = [
    agent(EF, "Promesa_de_Pago", Some("Pago_Total"), "PROMESA DE PAGO", Some("10"), CE, "R01", "SI", Promise),
    agent(EF, "Promesa_de_Pago", Some("Pago_Parcial"), "PROMESA DE PAGO", Some("9"), CE, "R02", "SI", Promise),
    agent(EF, "Compromiso_de_Pago", None, "COMPROMISO DE PAGO", Some("10"), CE, "R03", "Si ", Promise),
    agent(EF, "Promesa_de_Pago", Some("Fraccionamiento"), "PROMESA DE PAGO", Some("N/A"), "CONTACTO_EFECTIVO", "R04", "SI", Promise),
    agent(EF, "Ya_Pago", None, "YA PAGO", Some("8"), CE, "R05", "NO", Direct),
    agent(EF, "Reclamo", Some("Facturacion"), "RECLAMO", Some("6"), CE, "R06", "NO", Direct),
    agent(EF, "Reclamo", Some("Servicio"), "RECLAMO", Some("6"), CE, "R07", "NO", Direct),
    agent(EF, "Sin_Capacidad_de_Pago", None, "SIN CAPACIDAD DE PAGO", Some("5"), CE, "R08", "NO", Direct),
    agent(EF, "Reagenda", None, "REAGENDA", Some("5"), CE, "R09", "NO", Direct),
    agent(EF, "Cliente_Habla", None, "CLIENTE HABLA", None, CE, "R10", "NO", Direct),
    agent(NEF, "Tercero", Some("Familiar"), "TERCERO", Some("4"), CNE, "R11", "NO", Indirect),
    agent(NEF, "Tercero", Some("No_Conoce"), "TERCERO", Some("3"), CNE, "R12", "NO", Indirect),
    agent(NEF, "Cuelga", None, "CUELGA", Some("3"), CNE, "R13", "NO", Indirect),
    agent(NEF, "Transferencia", None, "TRANSFERENCIA", Some("3"), CNE, "R14", "NO", Indirect),
    agent(NEF, "No_Quiere_Hablar", None, "NO QUIERE HABLAR", Some("N/A"), CNE, "R15", "NO", Indirect),
    agent(NC, "No_Contesta", None, "NO CONTESTA", Some("2"), "No Contacto", "R16", "NO", NoContact),
    agent(NC, "Apagado", None, "APAGADO", Some("1"), "No contacto", "R17", "NO", NoContact),
    agent(NC, "Buzon_de_Voz", None, "BUZON DE VOZ", Some("1"), "No Contacto", "R18", "NO", NoContact),
    agent(NC, "Fuera_de_Servicio", None, "FUERA DE SERVICIO", Some("1"), "No contacto", "R19", "NO", NoContact),
    agent(NC, "Numero_Incorrecto", None, "NUMERO INCORRECTO", None, "No Contacto", "R20", "NO", NoContact),
    agent(NC, "Ocupado", None, "OCUPADO", Some("2"), "No_Contacto", "R21", "NO", NoContact),
    agent(NC, "Informacion", Some("Llamar_Luego"), "INFORMACION", Some("2"), "No Contacto", "R22", "NO", NoContact),
];

/// Raw (n1, n2, n3) absent from the homologation (keys compare exactly: case matters).
pub const UNMATCHED_AGENT_CODES: [(&str, &str, Option<&str>); 3] = [
    ("No_Contacto", "Linea_Ocupada", None),
    ("Contacto_Efectivo", "Promesa_De_Pago", Some("Pago_Total")),
    ("Sin_Gestion", "Error_Sistema", None),
];

pub fn homologacion_voicebot_rows() -> Vec<Row> {
    BOT_CODES
        .iter()
        .map(|code| {
            vec![
                text(code.management),
                optional(code.sub_management),
                optional(code.compromiso),
                text(code.outcome.level()),
                text(code.sub_management.unwrap_or(code.management)),
                text(if code.outcome == Promise {
                    "PDP"
                } else {
                    code.management
                }),
                text(code.contactabilidad),
                Cell::Int((code.outcome == Promise).into()),
                Cell::Int(code.peso),
            ]
        })
        .collect()
}

pub fn homologacion_mibotair_rows() -> Vec<Row> {
    AGENT_CODES
        .iter()
        .map(|code| {
            vec![
                text(code.n1),
                text(code.n2),
                optional(code.n3),
                text(code.management),
                optional(code.peso),
                text(code.contactabilidad),
                text("LLAMADA SALIENTE"),
                text(code.codigo_rpta),
                text(code.pdp),
                text(if code.outcome == NoContact {
                    "DISCADOR"
                } else {
                    "ASESOR"
                }),
            ]
        })
        .collect()
}

/// The tenant whose users the ejecutivos query keeps.
const TENANT: i64 = 145;
/// Agents listed in ejecutivos who make no calls in the data.
const IDLE_AGENTS: usize = 2;

#[derive(Clone, Debug)]
pub struct Agent {
    pub correo: String,
    pub nombre: String,
    pub document: String,
    /// In ejecutivos: a few calling agents are not (DOMAIN §12).
    pub listed: bool,
    /// Makes calls. Calling agents come first in [`agents`].
    pub active: bool,
}

const FIRST_NAMES: [&str; 20] = [
    "maria", "jose", "rosa", "luis", "ana", "carlos", "carmen", "jorge", "julia", "miguel",
    "lucia", "pedro", "elena", "victor", "sofia", "diego", "patricia", "raul", "gloria", "oscar",
];
const LAST_NAMES: [&str; 20] = [
    "quispe",
    "flores",
    "sanchez",
    "rodriguez",
    "garcia",
    "huaman",
    "mamani",
    "rojas",
    "vargas",
    "chavez",
    "torres",
    "ramirez",
    "mendoza",
    "castillo",
    "gutierrez",
    "diaz",
    "espinoza",
    "ramos",
    "cruz",
    "vasquez",
];

/// About one calling agent per 214 accounts a month (~60 calls a day each), 5–100 of them; the
/// last twelfth calls without being in ejecutivos, and two listed agents never call.
pub fn agents(profile: &SyntheticProfile) -> Vec<Agent> {
    let active = (profile.accounts_per_month / 214).clamp(5, 100) as usize;
    let unlisted = (active / 12).max(1);
    let mut agents: Vec<Agent> = Vec::new();
    for index in 0..active + IDLE_AGENTS {
        let mut rng = Rng::keyed(profile.seed, Stream::Agents, &[index as u64]);
        let first = rng.pick(&FIRST_NAMES);
        let last = rng.pick(&LAST_NAMES);
        let second = rng.pick(&LAST_NAMES);
        let mut correo = format!("{first}.{last}@cobranzas.pe");
        if agents.iter().any(|a| a.correo == correo) {
            correo = format!("{first}.{last}{index}@cobranzas.pe");
        }
        agents.push(Agent {
            correo,
            nombre: format!("{first} {last} {second}").to_uppercase(),
            document: if rng.chance(0.05) {
                "SIN DNI".to_owned()
            } else {
                format!("{:08}", rng.between(10_000_000, 79_999_999))
            },
            listed: !(active - unlisted..active).contains(&index),
            active: index < active,
        });
    }
    agents
}

pub fn ejecutivos_rows(agents: &[Agent]) -> Vec<Row> {
    agents
        .iter()
        .filter(|a| a.listed)
        .map(|a| vec![text(&a.correo), text(&a.nombre), text(&a.document)])
        .collect()
}

/// `sync_mibotair_batch_SYS_user` rows (correo_name, nombre, document, id_cliente) such that
/// `SELECT DISTINCT correo_name, TRIM(nombre), document … WHERE id_cliente = 145` gives exactly
/// [`ejecutivos_rows`]: names padded with spaces, one user twice with different padding, and
/// users of other tenants (one sharing the login of an agent missing from ejecutivos).
pub fn sys_user_rows(seed: u64, agents: &[Agent]) -> Vec<(String, String, String, i64)> {
    let mut rng = Rng::keyed(seed, Stream::Agents, &[u64::MAX]);
    let mut rows: Vec<(String, String, String, i64)> = agents
        .iter()
        .filter(|a| a.listed)
        .map(|a| {
            let nombre = match rng.weighted(&[70, 15, 15]) {
                0 => a.nombre.clone(),
                1 => format!("  {}", a.nombre),
                _ => format!("{}  ", a.nombre),
            };
            (a.correo.clone(), nombre, a.document.clone(), TENANT)
        })
        .collect();
    if let Some(first) = agents.iter().find(|a| a.listed) {
        let padded = format!(" {} ", first.nombre);
        rows.push((first.correo.clone(), padded, first.document.clone(), TENANT));
    }
    if let Some(missing) = agents.iter().find(|a| !a.listed) {
        rows.push((
            missing.correo.clone(),
            missing.nombre.clone(),
            missing.document.clone(),
            146,
        ));
    }
    rows.push((
        "soporte@mibot.pe".into(),
        "SOPORTE MIBOT".into(),
        "SIN DNI".into(),
        1,
    ));
    rows.push((
        "ana.perez@otraempresa.pe".into(),
        " ANA PEREZ ".into(),
        "40123456".into(),
        201,
    ));
    rows
}
