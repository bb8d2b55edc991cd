pub mod assignment_data;
pub mod dashboard_data;
pub mod evolution_data;
pub mod operation_data;
pub mod productivity_data;
