-- name: insert_user
-- $1 colony_name, $2 name, $3 user_id, $4 email, $5 phone
INSERT INTO users (colony_name, name, user_id, email, phone) VALUES ($1, $2, $3, $4, $5);

-- name: get_user
-- $1 colony_name, $2 name
SELECT * FROM users WHERE colony_name = $1 AND name = $2;

-- name: get_user_by_id
-- $1 colony_name, $2 user_id
SELECT * FROM users WHERE colony_name = $1 AND user_id = $2;

-- name: list_users
-- $1 colony_name
SELECT * FROM users WHERE colony_name = $1 ORDER BY name;

-- name: delete_user
-- $1 colony_name, $2 name
DELETE FROM users WHERE colony_name = $1 AND name = $2;

-- name: set_user_id
-- $1 colony_name, $2 old user_id, $3 new user_id
UPDATE users SET user_id = $3 WHERE colony_name = $1 AND user_id = $2;
