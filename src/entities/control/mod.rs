pub mod etl_execution_log;
pub mod etl_watermarks;
pub mod scheduler;
pub mod settings;
