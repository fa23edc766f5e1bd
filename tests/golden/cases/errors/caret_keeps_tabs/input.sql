select
	id,	{{ nope() }}
