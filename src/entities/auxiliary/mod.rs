pub mod calendario_habiles;
pub mod campana_dia;
pub mod cuenta_campana;
pub mod cuenta_estado_diario;
pub mod feriados;
pub mod gestion_cuenta;
pub mod gestiones;
pub mod pagos;
